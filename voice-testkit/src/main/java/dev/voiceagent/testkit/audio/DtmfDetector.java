package dev.voiceagent.testkit.audio;

import dev.voiceagent.contracts.audio.DtmfTones;
import dev.voiceagent.contracts.audio.MuLaw;
import java.util.List;

/**
 * Hears keypad tones in 8 kHz μ-law the way a phone menu's DTMF receiver does: Goertzel filters at the eight
 * Q.23 frequencies over blocks of 205 samples (about 26 ms). A block holds a key when its strongest row and column
 * tones carry most of the block's energy, each stands at least 6 dB clear of the rest of its group, and the two are
 * within 8 dB of each other (twist). A key is heard once it holds for two blocks running; the same key again needs a
 * block without it in between. Speech, single tones and silence are never keys. Not thread-safe.
 */
public final class DtmfDetector {

    private static final int BLOCK = 205;
    private static final double SAMPLE_RATE = 8000;
    /** Below this RMS a block is silence, whatever its spectrum. */
    private static final double MIN_RMS = 400;
    /** The share of a block's energy the key's two tones must carry. */
    private static final double MIN_TONE_SHARE = 0.6;
    /** 6 dB, as a power ratio: the strongest tone of a group over the next one. */
    private static final double GROUP_MARGIN = 4;
    /** 8 dB, as a power ratio: the most one tone of the pair may exceed the other. */
    private static final double MAX_TWIST = 6.3;
    private static final double[] LOW_COEFF = coefficients(DtmfTones.LOW_HZ);
    private static final double[] HIGH_COEFF = coefficients(DtmfTones.HIGH_HZ);

    private final double[] block = new double[BLOCK];
    private int filled;
    private char previous;
    private boolean reported;
    private final StringBuilder heard = new StringBuilder();

    /** Feeds μ-law audio of any length; returns the keys it completed, in order (empty when none). */
    public String accept(byte[] mulaw) {
        return accept(mulaw, 0, mulaw.length);
    }

    /** As {@link #accept(byte[])}, for {@code length} bytes of {@code mulaw} from {@code offset}. */
    public String accept(byte[] mulaw, int offset, int length) {
        int before = heard.length();
        for (int i = offset; i < offset + length; i++) {
            block[filled++] = MuLaw.decode(mulaw[i]);
            if (filled == BLOCK) {
                filled = 0;
                onBlock(classify(block));
            }
        }
        return heard.substring(before);
    }

    /** Every key heard so far, in order. */
    public String heard() {
        return heard.toString();
    }

    private void onBlock(char key) {
        if (key != 0 && key == previous && !reported) {
            heard.append(key);
            reported = true;
        } else if (key != previous) {
            reported = false;
        }
        previous = key;
    }

    /** The key a block holds, or 0. */
    static char classify(double[] samples) {
        double energy = 0;
        for (double sample : samples) {
            energy += sample * sample;
        }
        if (Math.sqrt(energy / samples.length) < MIN_RMS) {
            return 0;
        }
        double[] low = powers(samples, LOW_COEFF);
        double[] high = powers(samples, HIGH_COEFF);
        int row = strongest(low);
        int column = strongest(high);
        if (row < 0 || column < 0) {
            return 0;
        }
        double pair = low[row] + high[column];
        double twist = high[column] / low[row];
        if (pair < MIN_TONE_SHARE * energy || twist > MAX_TWIST || twist < 1 / MAX_TWIST) {
            return 0;
        }
        return DtmfTones.keyAt(row, column);
    }

    /** The index of the strongest power if it stands {@link #GROUP_MARGIN} clear of the others, else -1. */
    private static int strongest(double[] powers) {
        int best = 0;
        for (int i = 1; i < powers.length; i++) {
            if (powers[i] > powers[best]) {
                best = i;
            }
        }
        for (int i = 0; i < powers.length; i++) {
            if (i != best && powers[i] * GROUP_MARGIN > powers[best]) {
                return -1;
            }
        }
        return best;
    }

    /** The energy of each frequency in the block (Goertzel), on the same scale as the sum of squared samples. */
    private static double[] powers(double[] samples, double[] coefficients) {
        double[] powers = new double[coefficients.length];
        for (int f = 0; f < coefficients.length; f++) {
            double coefficient = coefficients[f];
            double s1 = 0;
            double s2 = 0;
            for (double sample : samples) {
                double s0 = sample + coefficient * s1 - s2;
                s2 = s1;
                s1 = s0;
            }
            powers[f] = 2 * (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / samples.length;
        }
        return powers;
    }

    private static double[] coefficients(List<Double> frequencies) {
        double[] coefficients = new double[frequencies.size()];
        for (int i = 0; i < coefficients.length; i++) {
            coefficients[i] = 2 * Math.cos(2 * Math.PI * frequencies.get(i) / SAMPLE_RATE);
        }
        return coefficients;
    }
}
