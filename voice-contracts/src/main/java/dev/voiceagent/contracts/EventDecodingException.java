package dev.voiceagent.contracts;

/** A message that is not a valid event envelope (bad JSON, missing attributes, payload of the wrong shape). */
public class EventDecodingException extends RuntimeException {

    public EventDecodingException(String message, Throwable cause) {
        super(message, cause);
    }

    public EventDecodingException(String message) {
        super(message);
    }
}
