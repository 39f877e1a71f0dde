package dev.voiceagent.bridge.session;

import java.time.Instant;
import java.util.Map;

/** A live session as {@code GET /api/v1/active-sessions} shows it. */
public record SessionView(String callSid, String streamSid, String agentKey, String agentVersionId,
                          String direction, String callerNumber, String phase, Instant startedAt,
                          Map<String, Object> state, int callerTurns, int agentTurns, int interruptions,
                          int pendingTools, String bridgeInstance) {
}
