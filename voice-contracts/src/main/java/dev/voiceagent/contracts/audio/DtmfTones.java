package dev.voiceagent.contracts.audio;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Keypad tones (DTMF, ITU-T Q.23 frequency pairs) as 8 kHz μ-law, the audio of a Twilio media stream, so that keys
 * pressed by an agent travel in-band on the call like a handset's. G.711 carries them unchanged to the far end's
 * detector. Each key is {@link #TONE_MS} of its two tones followed by {@link #GAP_MS} of silence, well inside Q.24's
 * minimums (40 ms tone, 40 ms pause); {@link #PAUSE} waits {@link #PAUSE_MS}, as in Twilio's {@code sendDigits}.
 * The high tone is 2 dB above the low one (-7 and -9 dBm0), the pre-emphasis handsets use against line loss.
 */
public final class DtmfTones {

    /** The keys that have a tone pair: digits, star, pound and the four column-four keys. */
    public static final String KEYS = "0123456789*#ABCD";
    /** Waits {@link #PAUSE_MS} before the next key. */
    public static final char PAUSE = 'w';
    /** How many keys and pauses one sequence may hold. */
    public static final int MAX_LENGTH = 32;
    public static final int TONE_MS = 100;
    public static final int GAP_MS = 100;
    public static final int PAUSE_MS = 500;

    /** Row (low group) frequencies in Hz, top row first. */
    public static final List<Double> LOW_HZ = List.of(697.0, 770.0, 852.0, 941.0);
    /** Column (high group) frequencies in Hz, left column first. */
    public static final List<Double> HIGH_HZ = List.of(1209.0, 1336.0, 1477.0, 1633.0);
    private static final String[] ROWS = {"123A", "456B", "789C", "*0#D"};

    private static final int SAMPLE_RATE = 8000;
    private static final int SAMPLES_PER_MS = SAMPLE_RATE / 1000;
    /** The peak of a 0 dBm0 sine in 16-bit linear samples (G.711's digital milliwatt). */
    private static final double ZERO_DBM0_PEAK = 22_580;
    private static final double HIGH_PEAK = ZERO_DBM0_PEAK * Math.pow(10, -7 / 20.0);
    private static final double LOW_PEAK = ZERO_DBM0_PEAK * Math.pow(10, -9 / 20.0);
    /** A short rise and fall, so a tone starts and stops without a click. */
    private static final int RAMP_SAMPLES = 3 * SAMPLES_PER_MS;

    private DtmfTones() {
    }

    /** Why {@code keys} cannot be played (a speakable sentence), or {@code null} when they can. */
    public static String problem(String keys) {
        if (keys == null || keys.isEmpty()) {
            return "No keys were given.";
        }
        if (keys.length() > MAX_LENGTH) {
            return "At most " + MAX_LENGTH + " keys can be pressed at once.";
        }
        for (int i = 0; i < keys.length(); i++) {
            char key = keys.charAt(i);
            if (key != PAUSE && KEYS.indexOf(key) < 0) {
                return "'" + key + "' is not a key on a phone keypad; use 0-9, *, #, A-D, or w to wait half a second.";
            }
        }
        return null;
    }

    /** The number of keys (pauses aside) in a valid sequence. */
    public static int keyCount(String keys) {
        return (int) keys.chars().filter(c -> c != PAUSE).count();
    }

    /** How long a valid sequence plays, in milliseconds. */
    public static long durationMs(String keys) {
        long ms = 0;
        for (int i = 0; i < keys.length(); i++) {
            ms += keys.charAt(i) == PAUSE ? PAUSE_MS : TONE_MS + GAP_MS;
        }
        return ms;
    }

    /**
     * The μ-law audio of a valid sequence, one chunk per key or pause, in order (a key's chunk is its tone and the
     * silence after it).
     *
     * @throws IllegalArgumentException when {@link #problem} has something to say about {@code keys}
     */
    public static List<byte[]> chunks(String keys) {
        String problem = problem(keys);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        List<byte[]> chunks = new ArrayList<>(keys.length());
        for (int i = 0; i < keys.length(); i++) {
            char key = keys.charAt(i);
            chunks.add(key == PAUSE ? silence(PAUSE_MS) : key(key));
        }
        return chunks;
    }

    /** One key: its tone pair for {@link #TONE_MS}, then {@link #GAP_MS} of silence. */
    static byte[] key(char key) {
        int row = rowOf(key);
        double low = LOW_HZ.get(row);
        double high = HIGH_HZ.get(ROWS[row].indexOf(key));
        int toneSamples = TONE_MS * SAMPLES_PER_MS;
        byte[] out = silence(TONE_MS + GAP_MS);
        for (int n = 0; n < toneSamples; n++) {
            double ramp = Math.min(1.0, Math.min(n, toneSamples - 1 - n) / (double) RAMP_SAMPLES);
            double t = n / (double) SAMPLE_RATE;
            double sample = ramp * (LOW_PEAK * Math.sin(2 * Math.PI * low * t)
                    + HIGH_PEAK * Math.sin(2 * Math.PI * high * t));
            out[n] = MuLaw.encode((int) Math.round(sample));
        }
        return out;
    }

    /** The key whose tones are row {@code row}'s and column {@code column}'s frequencies. */
    public static char keyAt(int row, int column) {
        return ROWS[row].charAt(column);
    }

    private static int rowOf(char key) {
        for (int row = 0; row < ROWS.length; row++) {
            if (ROWS[row].indexOf(key) >= 0) {
                return row;
            }
        }
        throw new IllegalArgumentException("not a keypad key: " + key);
    }

    private static byte[] silence(int ms) {
        byte[] out = new byte[ms * SAMPLES_PER_MS];
        Arrays.fill(out, MuLaw.SILENCE);
        return out;
    }
}
