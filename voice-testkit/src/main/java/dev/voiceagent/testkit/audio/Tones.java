package dev.voiceagent.testkit.audio;

import dev.voiceagent.contracts.audio.MuLaw;
import java.util.Arrays;

/** Generates 8 kHz μ-law test signals: voiced tones that a VAD detects and silence that it never does. */
public final class Tones {

    /** Samples per second of telephone audio. */
    public static final int SAMPLE_RATE = 8000;
    /** Bytes (samples) of μ-law per millisecond. */
    public static final int BYTES_PER_MS = SAMPLE_RATE / 1000;

    private static final double AMPLITUDE = 8000;

    private Tones() {
    }

    /** A sine tone of the given length and frequency, with a short fade so it starts and ends cleanly. */
    public static byte[] tone(int durationMs, double frequencyHz) {
        int samples = durationMs * BYTES_PER_MS;
        int fade = Math.min(40, samples / 4);
        byte[] out = new byte[samples];
        for (int i = 0; i < samples; i++) {
            double envelope = Math.min(1.0, Math.min(i, samples - 1 - i) / (double) Math.max(1, fade));
            double value = AMPLITUDE * envelope * Math.sin(2 * Math.PI * frequencyHz * i / SAMPLE_RATE);
            out[i] = MuLaw.encode((int) Math.round(value));
        }
        return out;
    }

    /** μ-law digital silence of the given length. */
    public static byte[] silence(int durationMs) {
        byte[] out = new byte[durationMs * BYTES_PER_MS];
        Arrays.fill(out, MuLaw.SILENCE);
        return out;
    }

    /** Milliseconds of audio in the given number of μ-law bytes. */
    public static long millis(long mulawBytes) {
        return mulawBytes / BYTES_PER_MS;
    }
}
