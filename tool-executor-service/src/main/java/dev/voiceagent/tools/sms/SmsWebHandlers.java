package dev.voiceagent.tools.sms;

import dev.voiceagent.support.PhoneNumbers;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import dev.voiceagent.support.RouteDescription.ParameterType;
import dev.voiceagent.tools.support.AdminKeyGuard;
import dev.voiceagent.tools.support.AdminRoutes;
import dev.voiceagent.tools.twilio.TwilioRequestVerifier;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * SMS routes: Twilio's signed delivery status callbacks ({@code POST /api/v1/sms-status?ref=<sms_id>}) update the
 * message row; {@code PUT/DELETE /api/v1/admin/tenants/{tenant_id}/opt-outs/{number}} ({@code x-admin-key}) add or
 * remove an opt-out.
 */
@Configuration(proxyBeanMethods = false)
public class SmsWebHandlers {

    private static final Logger log = LoggerFactory.getLogger(SmsWebHandlers.class);
    static final String SIGNATURE_HEADER = "X-Twilio-Signature";

    private final SmsRepository messages;
    private final TwilioRequestVerifier verifier;
    private final AdminKeyGuard guard;

    public SmsWebHandlers(SmsRepository messages, TwilioRequestVerifier verifier, AdminKeyGuard guard) {
        this.messages = messages;
        this.verifier = verifier;
        this.guard = guard;
    }

    @Bean
    RouterFunction<ServerResponse> smsRoutes() {
        return RouterFunctions.route()
                .POST(SmsTool.STATUS_PATH, this::status)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Twilio SMS status callback (signed; "
                                + "MessageSid, MessageStatus, ErrorCode): the message's delivery status")
                        .query("ref", ParameterType.STRING, "the platform's id of the SMS, set in the callback URL "
                                + "it gave Twilio; without it the callback is ignored")
                        .accepts(Body.twilioForm())
                        .answers(HttpStatus.NO_CONTENT))
                .PUT("/api/v1/admin/tenants/{tenant_id}/opt-outs/{number}", this::optOut)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Opt an E.164 number out of the "
                        + "tenant's SMS").answers(Body.json(OptOut.class)))
                .DELETE("/api/v1/admin/tenants/{tenant_id}/opt-outs/{number}", this::optIn)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Remove the number's opt-out")
                        .answers(HttpStatus.NO_CONTENT))
                .build();
    }

    Mono<ServerResponse> status(ServerRequest request) {
        String pathAndQuery = request.uri().getRawPath()
                + (request.uri().getRawQuery() == null ? "" : "?" + request.uri().getRawQuery());
        String signature = request.headers().firstHeader(SIGNATURE_HEADER);
        return request.formData()
                .map(SmsWebHandlers::singleValued)
                .filter(form -> verifier.verify(pathAndQuery, form, signature))
                .switchIfEmpty(Mono.error(() -> Problems.forbidden("The Twilio signature is not valid.")))
                .flatMap(form -> apply(request.queryParam("ref").orElse(null), form))
                .then(ServerResponse.noContent().build());
    }

    private Mono<Void> apply(String smsId, Map<String, String> form) {
        String status = form.get("MessageStatus");
        if (smsId == null || status == null) {
            return Mono.empty();
        }
        Integer errorCode = parseCode(form.get("ErrorCode"));
        return messages.delivered(smsId, form.get("MessageSid"), status, errorCode)
                .doOnNext(changed -> log.info("SMS {} status {}{}", smsId, status, changed ? "" : " (ignored: not newer)"))
                .then();
    }

    Mono<ServerResponse> optOut(ServerRequest request) {
        return guard.check(request)
                .then(Mono.defer(() -> number(request)))
                .flatMap(number -> messages.optOut(tenant(request), number, "admin").thenReturn(number))
                .flatMap(number -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(new OptOut(tenant(request), number, true)));
    }

    Mono<ServerResponse> optIn(ServerRequest request) {
        return guard.check(request)
                .then(Mono.defer(() -> number(request)))
                .flatMap(number -> messages.optIn(tenant(request), number))
                .flatMap(removed -> ServerResponse.noContent().build());
    }

    /** The answer to an opt-out. */
    public record OptOut(String tenantId, String number, boolean optedOut) {
    }

    private static String tenant(ServerRequest request) {
        return request.pathVariable("tenant_id");
    }

    private static Mono<String> number(ServerRequest request) {
        String tenant = tenant(request);
        String number = request.pathVariable("number").trim();
        if (!AdminRoutes.validTenantId(tenant)) {
            return Mono.error(Problems.invalidField("tenant_id", "must be 1-64 letters, digits, '-' or '_'"));
        }
        if (!PhoneNumbers.isE164(number)) {
            return Mono.error(Problems.invalidField("number", "must be an E.164 number such as +15555550100"));
        }
        return Mono.just(number);
    }

    private static Map<String, String> singleValued(MultiValueMap<String, String> form) {
        Map<String, String> single = new LinkedHashMap<>();
        form.forEach((name, values) -> single.put(name, values.isEmpty() ? "" : values.get(0)));
        return single;
    }

    private static Integer parseCode(String code) {
        try {
            return code == null || code.isBlank() ? null : Integer.valueOf(code.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
