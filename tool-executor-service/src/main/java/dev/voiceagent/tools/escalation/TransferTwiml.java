package dev.voiceagent.tools.escalation;

import com.twilio.http.HttpMethod;
import com.twilio.twiml.VoiceResponse;
import com.twilio.twiml.voice.Client;
import com.twilio.twiml.voice.Dial;
import com.twilio.twiml.voice.Identity;
import com.twilio.twiml.voice.Number;
import com.twilio.twiml.voice.Parameter;
import com.twilio.twiml.voice.Say;
import com.twilio.twiml.voice.Sip;
import dev.voiceagent.support.PhoneNumbers;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * The TwiML that transfers a live call: a short announcement to the caller, then {@code <Dial>} to the human target
 * with the context handed over — for a number, a whisper URL that tells the human the intent and summary before
 * the caller is connected; for {@code sip:} targets, {@code X-Voice-*} headers on the SIP URI; for {@code client:}
 * targets, {@code <Parameter>}s. The dial's action URL learns whether anyone answered.
 */
public final class TransferTwiml {

    static final String ANNOUNCEMENT = "Please hold while I connect you to a colleague.";
    private static final int MAX_CONTEXT_CHARS = 200;

    private TransferTwiml() {
    }

    /** True when the target is a form {@link #build} can dial. */
    public static boolean dialable(String target) {
        return target != null && (PhoneNumbers.isE164(target) || target.startsWith("sip:")
                || (target.startsWith("client:") && target.length() > "client:".length()));
    }

    /** The context as {@code <escalation id, intent, summary>} and the URLs on this service Twilio calls back. */
    public record Context(String escalationId, String intent, String summary, String whisperUrl, String dialActionUrl) {
    }

    public static String build(String target, Context context, Duration ringTimeout) {
        Dial.Builder dial = new Dial.Builder()
                .timeout((int) ringTimeout.toSeconds())
                .answerOnBridge(true)
                .action(context.dialActionUrl())
                .method(HttpMethod.POST);
        if (target.startsWith("sip:")) {
            dial.sip(new Sip.Builder(sipWithHeaders(target, context)).build());
        } else if (target.startsWith("client:")) {
            dial.client(new Client.Builder()
                    .identity(new Identity.Builder(target.substring("client:".length())).build())
                    .parameter(parameter("escalation_id", context.escalationId()))
                    .parameter(parameter("intent", text(context.intent())))
                    .parameter(parameter("summary", text(context.summary())))
                    .build());
        } else {
            dial.number(new Number.Builder(target).url(context.whisperUrl()).method(HttpMethod.POST).build());
        }
        return new VoiceResponse.Builder()
                .say(new Say.Builder(ANNOUNCEMENT).build())
                .dial(dial.build())
                .build()
                .toXml();
    }

    /** What the human hears before being connected (the whisper). */
    public static String whisper(String intent, String summary) {
        String said = "Transferred call from the voice agent. Topic: " + Optional.ofNullable(intent).orElse("unknown")
                + ". " + Optional.ofNullable(summary).map(s -> "Summary: " + s).orElse("No summary was given.");
        return new VoiceResponse.Builder().say(new Say.Builder(said).build()).build().toXml();
    }

    /** Said to the caller when nobody took the transfer. */
    public static String noAnswer() {
        return new VoiceResponse.Builder()
                .say(new Say.Builder("Sorry, no one could take your call right now. We will call you back.").build())
                .hangup(new com.twilio.twiml.voice.Hangup.Builder().build())
                .build().toXml();
    }

    private static String sipWithHeaders(String target, Context context) {
        String separator = target.contains("?") ? "&" : "?";
        return target + separator + "X-Voice-Escalation=" + encode(context.escalationId())
                + "&X-Voice-Intent=" + encode(text(context.intent()))
                + "&X-Voice-Summary=" + encode(text(context.summary()));
    }

    private static Parameter parameter(String name, String value) {
        return new Parameter.Builder().name(name).value(value).build();
    }

    private static String text(String value) {
        if (value == null) {
            return "";
        }
        return value.length() > MAX_CONTEXT_CHARS ? value.substring(0, MAX_CONTEXT_CHARS) : value;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
