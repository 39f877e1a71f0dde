package dev.voiceagent.gateway.calllog;

/** A status update that really changed a call log. */
public record StatusChange(String callSid, String tenantId, String status, String previousStatus,
                           Integer durationSeconds) {
}
