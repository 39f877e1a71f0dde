package dev.voiceagent.callbacks.task;

import java.time.Instant;

/** A callback task as stored. */
public record CallbackTask(String id, String callbackId, String tenantId, String callSid, String callerNumber,
                           String reason, String priority, Instant preferredTime, Instant dueAt, String status,
                           String owner, String disposition, String source, Instant createdAt, Instant updatedAt) {

    public static final String OPEN = "open";
    public static final String CLAIMED = "claimed";
    public static final String DONE = "done";
}
