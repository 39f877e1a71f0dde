package dev.voiceagent.gateway.calllog;

import java.time.Instant;

/** One call as the gateway records it. */
public record CallLog(String callSid, String tenantId, String direction, String from, String to, String status,
                      Integer durationSeconds, String agentKey, String agentVersionId, String outcome,
                      String intent, String escalationReason, Long sessionDurationMs, String greeting,
                      Instant createdAt, Instant updatedAt, MachineDetection machineDetection,
                      String answeredBy) {

    public static final String INBOUND = "inbound";
    public static final String OUTBOUND_API = "outbound-api";

    /** A new log at its first status. */
    public static CallLog opened(String callSid, String tenantId, String direction, String from, String to,
                                 CallStatus status, String agentKey, String agentVersionId, String greeting) {
        return new CallLog(callSid, tenantId, direction, from, to, status.wire(), null, agentKey, agentVersionId,
                null, null, null, null, greeting, null, null, null, null);
    }

    /** The same log with the answering-machine settings make-call asked for. */
    public CallLog withMachineDetection(MachineDetection detection) {
        return new CallLog(callSid, tenantId, direction, from, to, status, durationSeconds, agentKey, agentVersionId,
                outcome, intent, escalationReason, sessionDurationMs, greeting, createdAt, updatedAt, detection,
                answeredBy);
    }

    /** none, escalated, transferred or callback_created, derived from the outcome. */
    public String escalationState() {
        if ("transferred".equals(outcome) || "callback_created".equals(outcome)) {
            return outcome;
        }
        return escalationReason != null ? "escalated" : "none";
    }
}
