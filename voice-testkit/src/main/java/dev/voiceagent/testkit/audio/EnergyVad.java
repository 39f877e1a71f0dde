package dev.voiceagent.testkit.audio;

import dev.voiceagent.contracts.audio.MuLaw;
import java.util.ArrayList;
import java.util.List;

/**
 * Energy-based voice activity detector over 8 kHz μ-law, in 20 ms windows, the way a server VAD reports
 * speech: started after {@code startMs} of consecutive energy, stopped after {@code stopMs} of quiet.
 * Not thread-safe: feed it from one session at a time.
 */
public final class EnergyVad {

    /** A speech boundary, in milliseconds of audio received so far. */
    public sealed interface Event {
        /** Speech began at {@code audioStartMs}. */
        record SpeechStarted(long audioStartMs) implements Event {
        }

        /** Speech ended at {@code audioEndMs}. */
        record SpeechStopped(long audioEndMs) implements Event {
        }
    }

    private static final int WINDOW = 160;
    private static final int WINDOW_MS = 20;
    private static final double RMS_THRESHOLD = 600;

    private final int startWindows;
    private final int stopWindows;
    private final short[] window = new short[WINDOW];
    private int filled;
    private long windowsSeen;
    private int voicedRun;
    private int quietRun;
    private boolean speaking;

    /** A detector with the simulator defaults: 60 ms to start, 300 ms to stop. */
    public EnergyVad() {
        this(60, 300);
    }

    /** A detector with the given thresholds (rounded up to 20 ms windows). */
    public EnergyVad(int startMs, int stopMs) {
        this.startWindows = Math.max(1, (startMs + WINDOW_MS - 1) / WINDOW_MS);
        this.stopWindows = Math.max(1, (stopMs + WINDOW_MS - 1) / WINDOW_MS);
    }

    /** Feeds μ-law bytes of any length and returns the boundaries they complete, in order. */
    public List<Event> accept(byte[] mulaw) {
        List<Event> events = new ArrayList<>(1);
        for (byte b : mulaw) {
            window[filled++] = MuLaw.decode(b);
            if (filled == WINDOW) {
                filled = 0;
                windowsSeen++;
                onWindow(rms(window) >= RMS_THRESHOLD, events);
            }
        }
        return events;
    }

    /** Whether the detector is inside an utterance. */
    public boolean speaking() {
        return speaking;
    }

    /** Milliseconds of audio analysed so far. */
    public long audioMs() {
        return windowsSeen * WINDOW_MS;
    }

    private void onWindow(boolean voiced, List<Event> events) {
        if (voiced) {
            voicedRun++;
            quietRun = 0;
            if (!speaking && voicedRun >= startWindows) {
                speaking = true;
                events.add(new Event.SpeechStarted((windowsSeen - voicedRun) * WINDOW_MS));
            }
        } else {
            quietRun++;
            voicedRun = 0;
            if (speaking && quietRun >= stopWindows) {
                speaking = false;
                events.add(new Event.SpeechStopped((windowsSeen - quietRun) * WINDOW_MS));
            }
        }
    }

    private static double rms(short[] samples) {
        double sum = 0;
        for (short s : samples) {
            sum += (double) s * s;
        }
        return Math.sqrt(sum / samples.length);
    }
}
