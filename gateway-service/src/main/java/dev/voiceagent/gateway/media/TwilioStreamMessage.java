package dev.voiceagent.gateway.media;

/** The Twilio Media Streams messages the gateway must understand before the relay starts. */
public sealed interface TwilioStreamMessage {

    /** {@code {"event":"connected",…}} — Twilio's first frame. */
    record Connected() implements TwilioStreamMessage {
    }

    /** {@code {"event":"start",…}} with the call SID and our media token from {@code customParameters}. */
    record Start(String streamSid, String callSid, String token) implements TwilioStreamMessage {
    }

    /** Any other well-formed event (media, mark, dtmf, stop…). */
    record Other(String event) implements TwilioStreamMessage {
    }

    /** Not a Twilio stream message. */
    record Malformed(String reason) implements TwilioStreamMessage {
    }
}
