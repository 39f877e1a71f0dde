package dev.voiceagent.callbacks.webhook;

import dev.voiceagent.contracts.EventCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * One event for a tenant's webhook: the exact body that is signed and sent ({@code {id, type, time, tenant_id,
 * data}}), the task or call it is about, and how many delivery attempts it has had.
 */
public record WebhookEvent(String eventId, String tenantId, String type, String taskId, String callSid,
                           String payload, int attempts) {

    public static final String CALL_COMPLETED = "voice.call.completed";
    /** Prefix of the task lifecycle types: {@code callback.task.created}, {@code .claimed}, … */
    public static final String TASK_PREFIX = "callback.task.";

    /** A new event; {@code seed} names what it is about, so the same change always gets the same id. */
    public static WebhookEvent of(String seed, String type, String tenantId, String taskId, String callSid,
                                  Map<String, Object> data) {
        String eventId = stableId(seed);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", eventId);
        body.put("type", type);
        body.put("time", Instant.now().toString());
        body.put("tenant_id", tenantId);
        body.put("data", data);
        return new WebhookEvent(eventId, tenantId, type, taskId, callSid,
                EventCodec.mapper().writeValueAsString(body), 0);
    }

    static String stableId(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
