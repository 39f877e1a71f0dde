package dev.voiceagent.gateway.amd;

import dev.voiceagent.gateway.calllog.CallLog;
import dev.voiceagent.gateway.calllog.CallLogRepository;
import dev.voiceagent.gateway.calllog.MachineDetection;
import dev.voiceagent.gateway.logstream.CallLogLines;
import dev.voiceagent.gateway.outbound.TwilioCallClient;
import dev.voiceagent.gateway.twilio.TwilioWebhookReader;
import dev.voiceagent.gateway.twilio.TwimlResponses;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code POST /api/v1/amd-status}: Twilio's asynchronous answering-machine detection result (signed). A machine
 * (or fax) makes the call's outcome {@code no_answer} and applies its voicemail policy on the live call through
 * the REST API: {@code leave_message} replaces the call's TwiML with {@code <Say>…</Say><Hangup/>} (with
 * {@code DetectMessageEnd} this arrives after the beep), {@code hangup} ends it. Answers 204; a failed Twilio update
 * is logged, not retried by Twilio.
 */
public class AmdStatusHandler {

    private static final Logger log = LoggerFactory.getLogger(AmdStatusHandler.class);

    /** {@code POST /api/v1/amd-status} as the API documents describe it. */
    public static final RouteDescription ROUTE = RouteDescription.of("Twilio asynchronous answering-machine "
                    + "detection result (signed; CallSid, AnsweredBy): a machine gets the call's voicemail policy")
            .accepts(Body.twilioForm())
            .answers(HttpStatus.NO_CONTENT);

    private final TwilioWebhookReader webhooks;
    private final CallLogRepository calls;
    private final TwilioCallClient twilio;
    private final CallLogLines lines;

    public AmdStatusHandler(TwilioWebhookReader webhooks, CallLogRepository calls, TwilioCallClient twilio,
                            CallLogLines lines) {
        this.webhooks = webhooks;
        this.calls = calls;
        this.twilio = twilio;
        this.lines = lines;
    }

    public Mono<ServerResponse> handle(ServerRequest request) {
        return webhooks.read(request)
                .flatMap(this::apply)
                .then(ServerResponse.noContent().build());
    }

    private Mono<Void> apply(Map<String, String> params) {
        String callSid = TwilioWebhookReader.callSid(params);
        String answeredBy = TwilioWebhookReader.required(params, "AnsweredBy");
        boolean machine = MachineDetection.answeredByMachine(answeredBy);
        return calls.recordAnsweredBy(callSid, answeredBy, machine)
                .switchIfEmpty(Mono.fromRunnable(() -> log.info("AMD result for unknown call {}", callSid)))
                .flatMap(call -> machine ? applyPolicy(call, answeredBy) : human(call, answeredBy));
    }

    private Mono<Void> human(CallLog call, String answeredBy) {
        lines.info(call.tenantId(), call.callSid(), "machine detection: answered by " + answeredBy);
        return Mono.empty();
    }

    private Mono<Void> applyPolicy(CallLog call, String answeredBy) {
        MachineDetection amd = call.machineDetection();
        boolean leaveMessage = amd != null && amd.leavesMessage();
        lines.info(call.tenantId(), call.callSid(), "machine detection: answered by " + answeredBy + ", "
                + (leaveMessage ? "leaving the voicemail message, then hanging up" : "hanging up"));
        Mono<Void> update = leaveMessage
                ? twilio.sayAndHangUp(call.callSid(), TwimlResponses.sayAndHangUp(amd.voicemailMessage()))
                : twilio.hangUp(call.callSid());
        return update.onErrorResume(e -> {
            log.error("could not apply the voicemail policy to call {}: {}", call.callSid(), e.toString());
            lines.warn(call.tenantId(), call.callSid(), "voicemail policy could not be applied: Twilio update failed");
            return Mono.empty();
        });
    }
}
