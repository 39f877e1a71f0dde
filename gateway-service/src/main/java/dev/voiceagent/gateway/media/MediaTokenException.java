package dev.voiceagent.gateway.media;

/** A media token that must not open a stream: forged, expired, reused or bound to another call. */
public class MediaTokenException extends RuntimeException {

    public MediaTokenException(String message) {
        super(message);
    }
}
