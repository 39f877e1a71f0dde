package dev.voiceagent.tools.escalation;

import dev.voiceagent.support.Problems;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import dev.voiceagent.tools.twilio.TwilioRequestVerifier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Twilio's signed requests during a transfer: {@code POST /api/v1/escalations/{id}/whisper} answers the TwiML the
 * human hears before being connected (intent and summary); {@code POST /api/v1/escalations/{id}/dial-result} is
 * the {@code <Dial>} action: when nobody answered, a callback is created and the caller is told so.
 */
@Configuration(proxyBeanMethods = false)
public class EscalationWebHandlers {

    private static final Logger log = LoggerFactory.getLogger(EscalationWebHandlers.class);
    static final String PATH = "/api/v1/escalations";
    private static final Set<String> CONNECTED = Set.of("completed", "answered");
    private static final MediaType XML = MediaType.parseMediaType("text/xml;charset=UTF-8");

    private final EscalationRepository escalations;
    private final EscalationTool tool;
    private final TwilioRequestVerifier verifier;

    public EscalationWebHandlers(EscalationRepository escalations, EscalationTool tool,
                                 TwilioRequestVerifier verifier) {
        this.escalations = escalations;
        this.tool = tool;
        this.verifier = verifier;
    }

    @Bean
    RouterFunction<ServerResponse> escalationRoutes() {
        return RouterFunctions.route()
                .POST(PATH + "/{escalation_id}/whisper", this::whisper)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Twilio request (signed) when the "
                                + "human answers a transfer: TwiML telling them the caller's intent and summary")
                        .accepts(Body.twilioForm()).answers(Body.twiml()))
                .POST(PATH + "/{escalation_id}/dial-result", this::dialResult)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Twilio <Dial> action (signed; "
                                + "DialCallStatus): hangs up after a connected transfer, else creates a callback and "
                                + "tells the caller")
                        .accepts(Body.twilioForm()).answers(Body.twiml()))
                .build();
    }

    Mono<ServerResponse> whisper(ServerRequest request) {
        return signed(request)
                .flatMap(form -> escalation(request))
                .map(e -> TransferTwiml.whisper(e.intent(), e.summary()))
                .flatMap(EscalationWebHandlers::twiml);
    }

    Mono<ServerResponse> dialResult(ServerRequest request) {
        return signed(request)
                .flatMap(form -> escalation(request).flatMap(e -> {
                    String status = form.getOrDefault("DialCallStatus", "");
                    if (CONNECTED.contains(status)) {
                        return Mono.just("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Hangup/></Response>");
                    }
                    log.info("escalation {}: nobody took the transfer ({}); creating a callback", e.escalationId(), status);
                    return tool.callbackFor(e, "no_answer").thenReturn(TransferTwiml.noAnswer());
                }))
                .flatMap(EscalationWebHandlers::twiml);
    }

    private Mono<Map<String, String>> signed(ServerRequest request) {
        String path = request.uri().getRawPath();
        String signature = request.headers().firstHeader("X-Twilio-Signature");
        return request.formData()
                .map(EscalationWebHandlers::singleValued)
                .filter(form -> verifier.verify(path, form, signature))
                .switchIfEmpty(Mono.error(() -> Problems.forbidden("The Twilio signature is not valid.")));
    }

    private Mono<EscalationRepository.Escalation> escalation(ServerRequest request) {
        return escalations.byId(request.pathVariable("escalation_id"))
                .switchIfEmpty(Mono.error(() -> Problems.notFound("No such escalation.")));
    }

    private static Mono<ServerResponse> twiml(String xml) {
        return ServerResponse.ok().contentType(XML).bodyValue(xml);
    }

    private static Map<String, String> singleValued(MultiValueMap<String, String> form) {
        Map<String, String> single = new LinkedHashMap<>();
        form.forEach((name, values) -> single.put(name, values.isEmpty() ? "" : values.get(0)));
        return single;
    }
}
