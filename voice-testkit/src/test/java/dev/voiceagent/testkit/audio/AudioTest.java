package dev.voiceagent.testkit.audio;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.audio.MuLaw;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AudioTest {

    @Test
    void muLawRoundTripsWithinQuantisationError() {
        for (int sample = -32000; sample <= 32000; sample += 250) {
            short decoded = MuLaw.decode(MuLaw.encode(sample));
            assertThat(Math.abs(decoded - sample)).as("sample %d", sample).isLessThanOrEqualTo(Math.abs(sample) / 16 + 8);
        }
    }

    @Test
    void silenceByteDecodesToZero() {
        assertThat(MuLaw.decode(MuLaw.SILENCE)).isZero();
        assertThat(MuLaw.encode(0)).isEqualTo(MuLaw.SILENCE);
        assertThat(Tones.silence(20)).hasSize(160).containsOnly(MuLaw.SILENCE);
    }

    @Test
    void silenceNeverTriggersTheVad() {
        EnergyVad vad = new EnergyVad();
        for (int i = 0; i < 500; i++) {
            assertThat(vad.accept(Tones.silence(20))).isEmpty();
        }
        assertThat(vad.speaking()).isFalse();
        assertThat(vad.audioMs()).isEqualTo(10_000);
    }

    @Test
    void toneStartsAndSilenceStopsSpeechWithAudioTimes() {
        EnergyVad vad = new EnergyVad();
        List<EnergyVad.Event> events = new ArrayList<>();
        events.addAll(vad.accept(Tones.silence(200)));
        byte[] tone = Tones.tone(600, 300);
        for (int offset = 0; offset < tone.length; offset += 160) {
            events.addAll(vad.accept(java.util.Arrays.copyOfRange(tone, offset, offset + 160)));
        }
        events.addAll(vad.accept(Tones.silence(500)));

        assertThat(events).hasSize(2);
        assertThat(events.get(0)).isInstanceOf(EnergyVad.Event.SpeechStarted.class);
        long start = ((EnergyVad.Event.SpeechStarted) events.get(0)).audioStartMs();
        long end = ((EnergyVad.Event.SpeechStopped) events.get(1)).audioEndMs();
        assertThat(start).isBetween(200L, 240L);
        assertThat(end).isBetween(760L, 820L);
    }

    @Test
    void shortClickDoesNotStartSpeech() {
        EnergyVad vad = new EnergyVad();
        assertThat(vad.accept(Tones.tone(20, 300))).isEmpty();
        assertThat(vad.accept(Tones.silence(400))).isEmpty();
    }
}
