package dev.voiceagent.callbacks.notify;

/** A queued webhook notification: the exact body to send, and how many attempts it has had. */
public record Notification(String eventId, String tenantId, String taskId, String kind, String payload,
                           int attempts) {
}
