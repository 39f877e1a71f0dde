package dev.voiceagent.contracts;

import java.time.Instant;
import java.util.List;

/** How a voice session ended, published once per session by the bridge on {@link Topics#OUTCOMES}. */
public record SessionOutcome(Outcome outcome, String intent, String agentVersionId, String callerNumber,
                             Instant startedAt, Instant endedAt, long durationMs, Long timeToFirstAudioMs,
                             int callerTurns, int agentTurns, int interruptions, List<ToolSummary> tools,
                             String escalationReason, String summary) implements VoiceEvent {

    /** One tool call as the session saw it. */
    public record ToolSummary(String toolCallId, String tool, String status, long latencyMs) {
    }
}
