package dev.voiceagent.bridge.session;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A voice session as stored and served by {@code /api/v1/voice-sessions}: who, which agent version, the state,
 * transcript turns, function calls, a summary and tags. {@code status} is {@code active} while the call is live,
 * then the outcome; {@code lost} when the instance that held the call stopped without storing its end.
 */
public record VoiceSessionRecord(String id, String callSid, String tenantId, String agentKey, String agentVersionId,
                                 String direction, String callerNumber, String streamSid, String status,
                                 String escalationReason, Instant startedAt, Instant endedAt, Long durationMs,
                                 Long timeToFirstAudioMs, Map<String, Object> state, List<Turn> transcript,
                                 List<FunctionCall> functionCalls, String summary, List<String> tags,
                                 String bridgeInstance) {

    public static final String ACTIVE = "active";
    /** Set by the live-sessions sweep, never by a session: its instance no longer publishes the call. */
    public static final String LOST = "lost";

    /** One utterance. */
    public record Turn(String role, String text, int turnIndex, long offsetMs) {
    }

    /** One function call the model made and how it ended. */
    public record FunctionCall(String toolCallId, String tool, Map<String, Object> arguments, String status,
                               long latencyMs) {
    }
}
