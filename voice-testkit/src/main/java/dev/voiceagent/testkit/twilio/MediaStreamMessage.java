package dev.voiceagent.testkit.twilio;

import java.util.Map;

/** Twilio Media Streams messages, both directions, encoded and decoded by {@link MediaStreamCodec}. */
public sealed interface MediaStreamMessage {

    /** Twilio → server: the socket is up. */
    record Connected() implements MediaStreamMessage {
    }

    /** Twilio → server: the stream's metadata. */
    record Start(String sequenceNumber, String streamSid, String accountSid, String callSid,
                 Map<String, String> customParameters) implements MediaStreamMessage {
    }

    /** Twilio → server: 20 ms of the caller's μ-law. */
    record InboundMedia(String sequenceNumber, String streamSid, long chunk, long timestampMs, String payload)
            implements MediaStreamMessage {
    }

    /** Twilio → server: a key press. */
    record Dtmf(String sequenceNumber, String streamSid, String digit) implements MediaStreamMessage {
    }

    /** Both ways: a named position in the outbound audio (server → Twilio), or its echo (Twilio → server). */
    record Mark(String sequenceNumber, String streamSid, String name) implements MediaStreamMessage {
    }

    /** Twilio → server: the stream ended. */
    record Stop(String sequenceNumber, String streamSid, String accountSid, String callSid) implements MediaStreamMessage {
    }

    /** Server → Twilio: μ-law audio to play. */
    record OutboundMedia(String streamSid, String payload) implements MediaStreamMessage {
    }

    /** Server → Twilio: drop the queued audio. */
    record Clear(String streamSid) implements MediaStreamMessage {
    }

    /** A frame without a known {@code event}, kept for counting. */
    record Unknown(String event) implements MediaStreamMessage {
    }
}
