package dev.voiceagent.testkit.realtime;

/**
 * A fault the realtime simulator plays instead of (or in the middle of) a normal session, the three ways a real
 * model fails a live call: it refuses the handshake with an HTTP error, its socket drops in the middle of a
 * response (a TCP close without a WebSocket close frame), or it stalls in the middle of a response (the socket
 * stays open and nothing more arrives). {@link #sessions()} bounds how many new sessions get it; 0 means every one.
 *
 * @param kind         what goes wrong
 * @param httpStatus   for {@link Kind#REFUSE}: the handshake's answer (e.g. 503), with an OpenAI-style error body
 * @param audioDeltas  for {@link Kind#DROP} and {@link Kind#STALL}: how many {@code response.output_audio.delta}
 *                     events of the session go out before the fault, so that it hits mid-response
 * @param sessions     how many sessions opened from now on get the fault (0 = all of them)
 */
public record RealtimeFault(Kind kind, int httpStatus, int audioDeltas, int sessions) {

    /** The ways a model session fails. */
    public enum Kind { NONE, REFUSE, DROP, STALL }

    public RealtimeFault {
        if (kind == null || audioDeltas < 0 || sessions < 0) {
            throw new IllegalArgumentException("invalid realtime fault");
        }
        if (kind == Kind.REFUSE && (httpStatus < 400 || httpStatus > 599)) {
            throw new IllegalArgumentException("a refusal needs an HTTP error status, not " + httpStatus);
        }
    }

    /** Every session plays normally. */
    public static RealtimeFault none() {
        return new RealtimeFault(Kind.NONE, 0, 0, 0);
    }

    /** The WebSocket handshake is answered with {@code httpStatus} and an error body; no session opens. */
    public static RealtimeFault refuse(int httpStatus) {
        return new RealtimeFault(Kind.REFUSE, httpStatus, 0, 0);
    }

    /** The connection is closed, without a close frame, right after the session's {@code audioDeltas}-th audio delta. */
    public static RealtimeFault dropMidResponse(int audioDeltas) {
        return new RealtimeFault(Kind.DROP, 0, audioDeltas, 0);
    }

    /** Nothing more is sent after the session's {@code audioDeltas}-th audio delta; the socket stays open. */
    public static RealtimeFault stallMidResponse(int audioDeltas) {
        return new RealtimeFault(Kind.STALL, 0, audioDeltas, 0);
    }

    /** The same fault for only the next {@code count} sessions; later sessions play normally. */
    public RealtimeFault forSessions(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be positive");
        }
        return new RealtimeFault(kind, httpStatus, audioDeltas, count);
    }
}
