package dev.voiceagent.bridge.realtime;

/** A realtime server frame that is not a JSON object. */
public class RealtimeCodecException extends RuntimeException {

    public RealtimeCodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
