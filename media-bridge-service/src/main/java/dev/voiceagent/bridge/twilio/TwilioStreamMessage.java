package dev.voiceagent.bridge.twilio;

import java.util.List;
import java.util.Map;

/** The messages of a two-way Twilio Media Stream, in both directions, as the codec sees them. */
public sealed interface TwilioStreamMessage {

    /** Wire name of the {@code event} field. */
    String event();

    /** First message of a stream. */
    record Connected(String protocol, String version) implements TwilioStreamMessage {
        public String event() {
            return "connected";
        }
    }

    /** Stream metadata; {@code customParameters} carries the TwiML {@code <Parameter>}s. */
    record Start(String streamSid, String accountSid, String callSid, List<String> tracks,
                 Map<String, String> customParameters, String encoding, int sampleRate, int channels)
            implements TwilioStreamMessage {
        public String event() {
            return "start";
        }
    }

    /** 8 kHz μ-law audio as base64; inbound frames carry track, chunk and timestamp, outbound only the payload. */
    record Media(String streamSid, String track, String chunk, String timestamp, String payload)
            implements TwilioStreamMessage {
        public String event() {
            return "media";
        }

        /** An outbound frame (to Twilio). */
        public static Media outbound(String streamSid, String payload) {
            return new Media(streamSid, null, null, null, payload);
        }
    }

    /** A keypad digit pressed by the caller. */
    record Dtmf(String streamSid, String track, String digit) implements TwilioStreamMessage {
        public String event() {
            return "dtmf";
        }
    }

    /** A named playback marker: sent after audio, echoed by Twilio once that audio played (or was cleared). */
    record Mark(String streamSid, String name) implements TwilioStreamMessage {
        public String event() {
            return "mark";
        }
    }

    /** Drops the audio queued on Twilio's side. */
    record Clear(String streamSid) implements TwilioStreamMessage {
        public String event() {
            return "clear";
        }
    }

    /** The stream ended. */
    record Stop(String streamSid, String accountSid, String callSid) implements TwilioStreamMessage {
        public String event() {
            return "stop";
        }
    }
}
