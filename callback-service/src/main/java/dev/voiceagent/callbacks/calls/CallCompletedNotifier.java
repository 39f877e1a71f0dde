package dev.voiceagent.callbacks.calls;

import dev.voiceagent.callbacks.reconcile.CallRecordRepository;
import dev.voiceagent.callbacks.reconcile.CallRecordRepository.CallRecord;
import dev.voiceagent.callbacks.webhook.TenantWebhooks;
import dev.voiceagent.callbacks.webhook.WebhookEvent;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.support.PhoneNumbers;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * {@code voice.call.completed} for the tenant's webhook, once per call: its id derives from tenant and call SID, so
 * whichever report of the end comes first — the session's outcome, a call log status saying the call never
 * connected, or reconciliation finding a completed call without an outcome — is the only one, and a redelivered
 * outcome adds nothing. Reconciliation waits its grace period from when this service saw the call complete, so an
 * outcome that is late only because its consumer lagged (or the service was down) still makes it into the event.
 * Numbers are masked; the tenant's API has the full call log.
 */
@Component
public class CallCompletedNotifier {

    private final CallRecordRepository calls;
    private final TenantWebhooks webhooks;

    public CallCompletedNotifier(CallRecordRepository calls, TenantWebhooks webhooks) {
        this.calls = calls;
        this.webhooks = webhooks;
    }

    /** The session ended with an outcome. */
    public Mono<Boolean> fromOutcome(EventEnvelope<?> envelope, SessionOutcome outcome) {
        return record(envelope.tenantId(), envelope.callSid()).flatMap(record -> {
            Map<String, Object> data = data(envelope.callSid(), record.orElse(null), outcome.callerNumber());
            data.put("status", "completed"); // the call log's status may still say in-progress
            data.put("outcome", outcome.outcome().wire());
            data.put("intent", outcome.intent());
            if (outcome.agentVersionId() != null) {
                data.put("agent_version_id", outcome.agentVersionId());
            }
            data.put("started_at", text(outcome.startedAt()));
            data.put("ended_at", text(outcome.endedAt()));
            data.put("session_duration_ms", outcome.durationMs());
            data.put("time_to_first_audio_ms", outcome.timeToFirstAudioMs());
            data.put("caller_turns", outcome.callerTurns());
            data.put("agent_turns", outcome.agentTurns());
            data.put("interruptions", outcome.interruptions());
            data.put("tool_calls", outcome.tools() == null ? 0 : outcome.tools().size());
            data.put("escalated", outcome.escalationReason() != null);
            return queue(envelope.tenantId(), envelope.callSid(), data);
        });
    }

    /**
     * The call log says the call ended without a session ({@code no-answer}, {@code busy}, …), or a completed
     * call's session reported no outcome within the reconciliation grace period.
     */
    public Mono<Boolean> withoutOutcome(String tenantId, String callSid) {
        return record(tenantId, callSid).flatMap(record -> {
            Map<String, Object> data = data(callSid, record.orElse(null), null);
            data.put("outcome", null);
            return queue(tenantId, callSid, data);
        });
    }

    private Mono<Optional<CallRecord>> record(String tenantId, String callSid) {
        return calls.find(tenantId, callSid).map(Optional::of).defaultIfEmpty(Optional.empty());
    }

    private Mono<Boolean> queue(String tenantId, String callSid, Map<String, Object> data) {
        return webhooks.queueIfSubscribed(WebhookEvent.of("call-completed/" + tenantId + "/" + callSid,
                WebhookEvent.CALL_COMPLETED, tenantId, null, callSid, data));
    }

    static Map<String, Object> data(String callSid, CallRecord record, String callerNumber) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("call_sid", callSid);
        if (record != null) {
            data.put("direction", record.direction());
            data.put("from_masked", masked(record.from()));
            data.put("to_masked", masked(record.to()));
            data.put("agent_version_id", record.agentVersionId());
            data.put("status", record.status());
            data.put("duration_seconds", record.durationSeconds());
        }
        if (callerNumber != null) {
            data.put("caller_number_masked", masked(callerNumber));
        }
        data.values().removeIf(Objects::isNull);
        return data;
    }

    private static String masked(String number) {
        return number == null ? null : PhoneNumbers.mask(number);
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
