package dev.voiceagent.testkit.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.voiceagent.contracts.audio.DtmfTones;
import dev.voiceagent.contracts.audio.MuLaw;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The keypad tones the bridge plays, checked with a receiver built the way phone menus build theirs. */
class DtmfTest {

    @Test
    void everyKeyIsHeardInOrder() {
        String keys = DtmfTones.KEYS;
        assertThat(new DtmfDetector().accept(audio(keys))).isEqualTo(keys);
    }

    @Test
    void aRepeatedKeyIsHeardEachTimeAndPausesAreSilence() {
        String keys = "11w2#w#";
        assertThat(new DtmfDetector().accept(audio(keys))).isEqualTo("112##");
        assertThat(audio(keys)).hasSize((int) DtmfTones.durationMs(keys) * 8);
        assertThat(DtmfTones.durationMs(keys)).isEqualTo(5 * 200 + 2 * 500);
        assertThat(DtmfTones.keyCount(keys)).isEqualTo(5);
    }

    @Test
    void keysSurviveTwilioFramingOneFrameAtATime() {
        byte[] audio = audio("8675309");
        DtmfDetector detector = new DtmfDetector();
        StringBuilder heard = new StringBuilder();
        for (int offset = 0; offset < audio.length; offset += 160) {
            heard.append(detector.accept(Arrays.copyOfRange(audio, offset, Math.min(audio.length, offset + 160))));
        }
        assertThat(heard).hasToString("8675309");
        assertThat(detector.heard()).isEqualTo("8675309");
    }

    @Test
    void eachKeyIsATonePairAtItsLevelsWithoutClipping() {
        for (byte[] chunk : DtmfTones.chunks("5D")) {
            assertThat(chunk).hasSize((DtmfTones.TONE_MS + DtmfTones.GAP_MS) * 8);
            double sumSquares = 0;
            int peak = 0;
            for (int i = 0; i < DtmfTones.TONE_MS * 8; i++) {
                short sample = MuLaw.decode(chunk[i]);
                sumSquares += (double) sample * sample;
                peak = Math.max(peak, Math.abs(sample));
            }
            // -7 dBm0 plus -9 dBm0 is about -4.9 dBm0; 0 dBm0 has an RMS of 22,580 / sqrt 2
            double dbm0 = 20 * Math.log10(Math.sqrt(sumSquares / (DtmfTones.TONE_MS * 8)) / (22_580 / Math.sqrt(2)));
            assertThat(dbm0).isBetween(-5.6, -4.2);
            assertThat(peak).isLessThan(30_000);
            byte[] gap = Arrays.copyOfRange(chunk, DtmfTones.TONE_MS * 8, chunk.length);
            assertThat(gap).containsOnly(MuLaw.SILENCE);
        }
    }

    @Test
    void speechLikeAudioSingleTonesAndBlipsAreNotKeys() {
        DtmfDetector detector = new DtmfDetector();
        assertThat(detector.accept(Tones.tone(1000, 300))).isEmpty();
        assertThat(detector.accept(Tones.tone(1000, 697))).isEmpty();
        assertThat(detector.accept(Tones.tone(1000, 1336))).isEmpty();
        assertThat(detector.accept(Tones.silence(500))).isEmpty();
        // shorter than two receiver blocks: a click, not a key press
        assertThat(detector.accept(Arrays.copyOf(DtmfTones.chunks("7").get(0), 160))).isEmpty();
        assertThat(detector.accept(Tones.silence(200))).isEmpty();
        assertThat(detector.heard()).isEmpty();
    }

    @Test
    void onlyKeypadKeysWithinTheLimitArePlayable() {
        assertThat(DtmfTones.problem("0123456789*#ABCDw")).isNull();
        assertThat(DtmfTones.problem("")).isEqualTo("No keys were given.");
        assertThat(DtmfTones.problem(null)).isEqualTo("No keys were given.");
        assertThat(DtmfTones.problem("12x")).contains("'x' is not a key");
        assertThat(DtmfTones.problem("1".repeat(33))).contains("At most 32 keys");
        assertThatThrownBy(() -> DtmfTones.chunks("1-2")).isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] audio(String keys) {
        List<byte[]> chunks = DtmfTones.chunks(keys);
        assertThat(chunks).hasSize(keys.length());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        chunks.forEach(out::writeBytes);
        return out.toByteArray();
    }
}
