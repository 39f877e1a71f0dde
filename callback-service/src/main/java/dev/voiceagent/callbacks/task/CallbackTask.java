package dev.voiceagent.callbacks.task;

import java.time.Instant;

/**
 * A callback task as stored; {@code flag} says what reconciliation with the call log found (e.g. the call never
 * connected).
 */
public record CallbackTask(String id, String callbackId, String tenantId, String callSid, String callerNumber,
                           String reason, String priority, Instant preferredTime, Instant dueAt, String status,
                           String owner, String disposition, String source, Instant createdAt, Instant updatedAt,
                           String flag) {

    /** A task not yet flagged. */
    public CallbackTask(String id, String callbackId, String tenantId, String callSid, String callerNumber,
                        String reason, String priority, Instant preferredTime, Instant dueAt, String status,
                        String owner, String disposition, String source, Instant createdAt, Instant updatedAt) {
        this(id, callbackId, tenantId, callSid, callerNumber, reason, priority, preferredTime, dueAt, status, owner,
                disposition, source, createdAt, updatedAt, null);
    }

    public static final String OPEN = "open";
    public static final String CLAIMED = "claimed";
    public static final String DONE = "done";
    public static final String EXPIRED = "expired";
    public static final String CANCELLED = "cancelled";
}
