package dev.voiceagent.gateway.calllog;

import dev.voiceagent.contracts.CallEvents.CallStatusChanged;
import dev.voiceagent.support.EventPublisher;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/**
 * Applies Twilio status callbacks to call logs: forward-only, idempotent, and an event only when the status
 * really changed.
 */
@Service
public class CallStatusService {

    private static final Logger log = LoggerFactory.getLogger(CallStatusService.class);
    /** A status callback can race the call log written after Twilio accepted an outbound call. */
    private static final Duration LOOKUP_RETRY = Duration.ofMillis(200);

    private final CallLogRepository calls;
    private final EventPublisher events;

    public CallStatusService(CallLogRepository calls, EventPublisher events) {
        this.calls = calls;
        this.events = events;
    }

    /** Emits the change when one happened, empty for unknown calls, stale or repeated callbacks. */
    public Mono<StatusChange> apply(String callSid, CallStatus status, Integer durationSeconds) {
        return calls.findByCallSid(callSid)
                .repeatWhenEmpty(3, attempts -> attempts.delayElements(LOOKUP_RETRY))
                .switchIfEmpty(Mono.fromRunnable(() -> log.info("status {} for unknown call {}", status.wire(), callSid)))
                .flatMap(known -> calls.advanceStatus(callSid, status, durationSeconds)
                        .switchIfEmpty(fillDuration(callSid, durationSeconds))
                        .flatMap(this::publish));
    }

    private Mono<StatusChange> fillDuration(String callSid, Integer durationSeconds) {
        return durationSeconds == null ? Mono.empty() : calls.fillDuration(callSid, durationSeconds).then(Mono.empty());
    }

    private Mono<StatusChange> publish(StatusChange change) {
        return events.publish(change.tenantId(), change.callSid(),
                        new CallStatusChanged(change.status(), change.previousStatus(), change.durationSeconds()))
                .thenReturn(change);
    }
}
