package dev.voiceagent.gateway.twilio;

import dev.voiceagent.gateway.calllog.CallStatus;
import dev.voiceagent.gateway.calllog.CallStatusService;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/** {@code POST /api/v1/call-status}: verified status callbacks, applied forward-only; answers 204. */
public class CallStatusHandler {

    private static final Logger log = LoggerFactory.getLogger(CallStatusHandler.class);

    /** {@code POST /api/v1/call-status} as the API documents describe it. */
    public static final RouteDescription ROUTE = RouteDescription.of("Twilio status callback (signed; CallSid, "
                    + "CallStatus, CallDuration): the call log's status, applied forward-only")
            .accepts(Body.twilioForm())
            .answers(HttpStatus.NO_CONTENT);

    private final TwilioWebhookReader webhooks;
    private final CallStatusService statuses;

    public CallStatusHandler(TwilioWebhookReader webhooks, CallStatusService statuses) {
        this.webhooks = webhooks;
        this.statuses = statuses;
    }

    public Mono<ServerResponse> handle(ServerRequest request) {
        return webhooks.read(request)
                .flatMap(this::apply)
                .then(ServerResponse.noContent().build());
    }

    private Mono<?> apply(Map<String, String> params) {
        String callSid = TwilioWebhookReader.callSid(params);
        String reported = TwilioWebhookReader.required(params, "CallStatus");
        Optional<CallStatus> status = CallStatus.fromWire(reported);
        if (status.isEmpty()) {
            log.info("ignoring unknown status '{}' for call {}", reported, callSid);
            return Mono.empty();
        }
        return statuses.apply(callSid, status.get(), duration(params));
    }

    private static Integer duration(Map<String, String> params) {
        String value = params.getOrDefault("CallDuration", params.get("Duration"));
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw Problems.invalidField("CallDuration", "must be a whole number of seconds");
        }
    }
}
