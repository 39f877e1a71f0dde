package dev.voiceagent.gateway.twilio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.voiceagent.gateway.media.MediaTokens;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The cached connect-stream TwiML is byte for byte what the Twilio SDK renders, for any token and greeting. */
class ConnectStreamTwimlTest {

    static final String URL = "wss://voice.example.com/api/v1/media-stream";
    final ConnectStreamTwiml twiml = new ConnectStreamTwiml(URL);

    @Example
    void rendersRealMediaTokensLikeTheSdk() {
        MediaTokens tokens = new MediaTokens(List.of("secret"), Duration.ofMinutes(1), Clock.systemUTC());
        String token = tokens.mint("CA1", "acme", "support", "v1", "+15555550100", "inbound",
                "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01");
        assertThat(twiml.render(token, null)).isEqualTo(TwimlResponses.connectStream(URL, token, null))
                .contains("<Parameter name=\"token\" value=\"" + token + "\"/>");
    }

    @Property(tries = 300)
    void rendersAnyGreetingLikeTheSdk(@ForAll("texts") String token, @ForAll("texts") String greeting) {
        // text the SDK cannot serialize (an unpaired surrogate) fails the same way
        assertThat(outcome(() -> twiml.render(token, greeting)))
                .isEqualTo(outcome(() -> TwimlResponses.connectStream(URL, token, greeting)));
    }

    private static String outcome(Supplier<String> render) {
        try {
            return render.get();
        } catch (RuntimeException e) {
            return e.getClass().getName();
        }
    }

    @Example
    void blankGreetingsAreLeftOutAsTheSdkRendererLeavesThemOut() {
        assertThat(twiml.render("t.k", "  ")).isEqualTo(TwimlResponses.connectStream(URL, "t.k", null))
                .doesNotContain("greeting");
    }

    @Example
    void refusesAStreamUrlThatContainsAPlaceholder() {
        assertThatThrownBy(() -> new ConnectStreamTwiml("wss://x/VOICETOKENPLACEHOLDER"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> markup = Arbitraries.strings().withChars("<>&\"' \t\r\n=/;#").ofMaxLength(20);
        Arbitrary<String> any = Arbitraries.strings().all().ofMaxLength(30);
        Arbitrary<String> words = Arbitraries.strings().withCharRange(' ', '~').withChars("éüß€中文😀").ofMaxLength(40);
        return Arbitraries.oneOf(markup, any, words);
    }
}
