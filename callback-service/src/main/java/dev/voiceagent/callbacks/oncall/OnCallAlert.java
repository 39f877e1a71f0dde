package dev.voiceagent.callbacks.oncall;

/** A queued SMS alert for the tenant's on-call number; {@code toolCallId} is its idempotency key at the executor. */
public record OnCallAlert(String toolCallId, String tenantId, String taskId, String callSid, String kind,
                          String toNumber,
                          String body, int attempts) {
}
