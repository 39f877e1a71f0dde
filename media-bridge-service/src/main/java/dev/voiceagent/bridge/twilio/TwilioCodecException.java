package dev.voiceagent.bridge.twilio;

/** A Twilio stream frame that is not well-formed JSON or lacks a field its event requires. */
public class TwilioCodecException extends RuntimeException {

    public TwilioCodecException(String message, Throwable cause) {
        super(message, cause);
    }

    public TwilioCodecException(String message) {
        super(message);
    }
}
