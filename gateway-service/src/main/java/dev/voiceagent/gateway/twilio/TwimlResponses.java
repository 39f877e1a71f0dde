package dev.voiceagent.gateway.twilio;

import com.twilio.twiml.VoiceResponse;
import com.twilio.twiml.voice.Connect;
import com.twilio.twiml.voice.Hangup;
import com.twilio.twiml.voice.Parameter;
import com.twilio.twiml.voice.Say;
import com.twilio.twiml.voice.Stream;

/** TwiML documents the gateway answers with, built with the Twilio SDK's TwiML classes. */
public final class TwimlResponses {

    public static final String UNROUTABLE_MESSAGE = "Sorry, this number is not available right now. Goodbye.";
    public static final String BUSY_MESSAGE = "Sorry, all of our lines are busy right now. Please call again in a "
            + "few minutes. Goodbye.";

    /** Constant documents, rendered once: the SDK's rendering is far too slow for a per-call path. */
    private static final String UNROUTABLE = sayAndHangUp(UNROUTABLE_MESSAGE);
    private static final String BUSY = sayAndHangUp(BUSY_MESSAGE);
    private static final String HANG_UP = new VoiceResponse.Builder().hangup(new Hangup.Builder().build()).build().toXml();

    private TwimlResponses() {
    }

    /**
     * {@code <Connect><Stream url><Parameter name="token"/>…} — a two-way media stream, rendered by the SDK (the
     * per-call path uses {@link ConnectStreamTwiml}, its cached equivalent).
     */
    public static String connectStream(String streamUrl, String token, String greeting) {
        Stream.Builder stream = new Stream.Builder().url(streamUrl)
                .parameter(new Parameter.Builder().name("token").value(token).build());
        if (greeting != null && !greeting.isBlank()) {
            stream.parameter(new Parameter.Builder().name("greeting").value(greeting).build());
        }
        return new VoiceResponse.Builder()
                .connect(new Connect.Builder().stream(stream.build()).build())
                .build().toXml();
    }

    /** A short spoken message, then hang up. */
    public static String unroutable() {
        return UNROUTABLE;
    }

    /** The tenant is at its concurrent-call limit: a polite message, then hang up (never an error to Twilio). */
    public static String busy() {
        return BUSY;
    }

    /** {@code <Say>message</Say><Hangup/>}. */
    public static String sayAndHangUp(String message) {
        return new VoiceResponse.Builder()
                .say(new Say.Builder(message).build())
                .hangup(new Hangup.Builder().build())
                .build().toXml();
    }

    /** {@code <Hangup/>} alone. */
    public static String hangUp() {
        return HANG_UP;
    }
}
