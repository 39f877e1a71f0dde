package dev.voiceagent.bridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TranscriptRedactionTest {

    private static TranscriptRedaction of(String... pins) {
        TranscriptRedaction redaction = new TranscriptRedaction();
        for (String pin : pins) {
            redaction.add(pin);
        }
        return redaction;
    }

    @Test
    void aPinIsMaskedHoweverSpeechToTextWroteIt() {
        TranscriptRedaction redaction = of("2408");
        assertThat(redaction.apply("My PIN is 2408.")).isEqualTo("My PIN is [pin].");
        assertThat(redaction.apply("it's 2 4 0 8")).isEqualTo("it's [pin]");
        assertThat(redaction.apply("2-4-0-8, I think")).isEqualTo("[pin], I think");
        assertThat(redaction.apply("Two four zero eight")).isEqualTo("[pin]");
        assertThat(redaction.apply("two, four, oh, eight")).isEqualTo("[pin]");
        assertThat(redaction.apply("24 oh 8 and again 2408")).isEqualTo("[pin] and again [pin]");
    }

    @Test
    void otherNumbersAndWordsAreLeftAlone() {
        TranscriptRedaction redaction = of("2408");
        assertThat(redaction.apply("account 124089, order 2409")).isEqualTo("account 124089, order 2409");
        assertThat(redaction.apply("two four zero eighteen")).isEqualTo("two four zero eighteen");
        assertThat(redaction.apply("netwo four zero eight")).isEqualTo("netwo four zero eight");
    }

    @Test
    void onlyWhatCouldBeAPinIsTaken() {
        TranscriptRedaction redaction = of("12", "abcd", null, "123456789", "7777");
        assertThat(redaction.apply("12 abcd 123456789 7777")).isEqualTo("12 abcd 123456789 [pin]");
    }

    @Test
    void nothingIsMaskedBeforeAPinIsKnown() {
        assertThat(of().apply("my pin is 2408")).isEqualTo("my pin is 2408");
    }
}
