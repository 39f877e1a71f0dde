package dev.voiceagent.gateway.calllog;

import java.util.Set;

/**
 * What make-call asked for on answering machines: Twilio's detection mode ({@code Enable} or
 * {@code DetectMessageEnd}) and the voicemail policy ({@code hangup}, or {@code leave_message} with its text).
 */
public record MachineDetection(String mode, String voicemailPolicy, String voicemailMessage) {

    public static final String ENABLE = "Enable";
    public static final String DETECT_MESSAGE_END = "DetectMessageEnd";
    public static final String HANGUP = "hangup";
    public static final String LEAVE_MESSAGE = "leave_message";
    public static final Set<String> MODES = Set.of(ENABLE, DETECT_MESSAGE_END);
    public static final Set<String> POLICIES = Set.of(HANGUP, LEAVE_MESSAGE);

    /** Whether Twilio's {@code AnsweredBy} means no person answered (machine or fax). */
    public static boolean answeredByMachine(String answeredBy) {
        return answeredBy != null && (answeredBy.startsWith("machine") || "fax".equals(answeredBy));
    }

    public boolean leavesMessage() {
        return LEAVE_MESSAGE.equals(voicemailPolicy) && voicemailMessage != null && !voicemailMessage.isBlank();
    }
}
