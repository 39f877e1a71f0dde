package dev.voiceagent.contracts;

import java.util.Map;

/** Tool requests (bridge to executor) and their results (executor to bridge and analytics). */
public final class ToolEvents {

    private ToolEvents() {
    }

    /**
     * The model called a function. {@code replyTopic} names the topic of the bridge instance that holds
     * the call; the result must reach it there as well as on {@link Topics#TOOL_RESULTS}.
     * <p>
     * {@code verifiedAccount} is the account the caller proved they hold (a {@code lookup} with its PIN answered
     * {@code verified: true} earlier in the call), and {@code callerAuthenticated} is true exactly when there is one.
     * Authentication covers that account only: the tool executor discloses and changes nothing of other accounts on
     * its strength. Null for requests that carry no caller (the callback service's alerts) and before verification.
     */
    public record ToolRequested(String toolCallId, String tool, Map<String, Object> arguments,
                                String agentVersionId, String intent, boolean callerAuthenticated,
                                String callerNumber, String replyTopic, String verifiedAccount) implements VoiceEvent {

        /** A request from a caller nobody verified, or from a service. */
        public ToolRequested(String toolCallId, String tool, Map<String, Object> arguments, String agentVersionId,
                             String intent, String callerNumber, String replyTopic) {
            this(toolCallId, tool, arguments, agentVersionId, intent, false, callerNumber, replyTopic, null);
        }
    }

    /** A tool call finished; {@code status} is ok, denied, failed or timeout, and reason is speakable. */
    public record ToolCompleted(String toolCallId, String tool, String status, Map<String, Object> output,
                                String reason, long latencyMs) implements VoiceEvent {

        public static final String OK = "ok";
        public static final String DENIED = "denied";
        public static final String FAILED = "failed";
        public static final String TIMEOUT = "timeout";
    }
}
