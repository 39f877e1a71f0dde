package dev.voiceagent.gateway.calllog;

import dev.voiceagent.contracts.CallEvents.CallStatusChanged;
import dev.voiceagent.gateway.logstream.CallLogLines;
import dev.voiceagent.gateway.logstream.CallLogStreams;
import dev.voiceagent.gateway.outbox.CallEventOutbox;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Applies Twilio status callbacks to call logs: forward-only, idempotent, and an event only when the status
 * really changed. The change and its {@code voice.call.status_changed} event commit together (outbox).
 */
public class CallStatusService {

    private static final Logger log = LoggerFactory.getLogger(CallStatusService.class);
    /** A status callback can race the call log written after Twilio accepted an outbound call. */
    private static final Duration LOOKUP_RETRY = Duration.ofMillis(200);

    private final CallLogRepository calls;
    private final CallEventOutbox outbox;
    private final CallLogLines lines;
    private final CallLogStreams streams;

    public CallStatusService(CallLogRepository calls, CallEventOutbox outbox, CallLogLines lines,
                             CallLogStreams streams) {
        this.calls = calls;
        this.outbox = outbox;
        this.lines = lines;
        this.streams = streams;
    }

    /** Emits the change when one happened, empty for unknown calls, stale or repeated callbacks. */
    public Mono<StatusChange> apply(String callSid, CallStatus status, Integer durationSeconds) {
        return calls.findByCallSid(callSid)
                .repeatWhenEmpty(attempts -> attempts.take(3).delayElements(LOOKUP_RETRY))
                .switchIfEmpty(Mono.fromRunnable(() -> log.info("status {} for unknown call {}", status.wire(), callSid)))
                .flatMap(known -> advance(callSid, status, durationSeconds)
                        .switchIfEmpty(fillDuration(callSid, durationSeconds))
                        .doOnNext(this::announce));
    }

    private Mono<StatusChange> advance(String callSid, CallStatus status, Integer durationSeconds) {
        return outbox.inTransaction(calls.advanceStatus(callSid, status, durationSeconds)
                .flatMap(change -> outbox.add(outbox.envelope(change.tenantId(), change.callSid(),
                                new CallStatusChanged(change.status(), change.previousStatus(), change.durationSeconds())))
                        .thenReturn(change)));
    }

    private void announce(StatusChange change) {
        lines.info(change.tenantId(), change.callSid(), "status changed: " + change.previousStatus() + " -> "
                + change.status() + (change.durationSeconds() == null ? "" : " (" + change.durationSeconds() + " s)"));
        if (CallStatus.fromWire(change.status()).map(CallStatus::terminal).orElse(false)) {
            streams.complete(change.callSid());
        }
    }

    private Mono<StatusChange> fillDuration(String callSid, Integer durationSeconds) {
        return durationSeconds == null ? Mono.empty() : calls.fillDuration(callSid, durationSeconds).then(Mono.empty());
    }
}
