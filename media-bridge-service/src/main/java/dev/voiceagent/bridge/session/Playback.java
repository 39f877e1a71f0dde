package dev.voiceagent.bridge.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * What the caller has heard of the agent's audio. Each chunk sent to Twilio is followed by a mark named
 * {@code <item_id>:<audio_ms_end>}; Twilio echoes a mark when the audio before it has played, so the last echo
 * is the heard position. Bytes sent overshoot it, since the model talks faster than real time.
 */
final class Playback {

    /** 8 kHz μ-law: 8 bytes per millisecond. */
    private static final int BYTES_PER_MS = 8;

    private final ArrayDeque<String> outstanding = new ArrayDeque<>();
    private String sendingItem;
    private long sendingBytes;
    private String heardItem;
    private long heardMs;

    /** Accounts for a chunk about to be sent and returns the name of the mark that follows it. */
    String sent(String itemId, String base64Audio) {
        if (!itemId.equals(sendingItem)) {
            sendingItem = itemId;
            sendingBytes = 0;
        }
        sendingBytes += decodedLength(base64Audio);
        String name = itemId + ":" + (sendingBytes / BYTES_PER_MS);
        outstanding.add(name);
        return name;
    }

    /** A mark came back: everything up to it has played. Unknown names (e.g. after a clear) change nothing. */
    void acknowledged(String name) {
        if (!outstanding.contains(name)) {
            return;
        }
        while (!outstanding.isEmpty()) {
            String next = outstanding.poll();
            if (next.equals(name)) {
                break;
            }
        }
        heardItem = itemOf(name);
        heardMs = Long.parseLong(name.substring(name.lastIndexOf(':') + 1));
    }

    /** True while some sent audio has not been confirmed as played. */
    boolean unplayed() {
        return !outstanding.isEmpty();
    }

    /** The item whose audio is playing now (the oldest with an outstanding mark), or {@code null} when none is. */
    String playingItem() {
        String first = outstanding.peek();
        return first == null ? null : itemOf(first);
    }

    /**
     * The caller interrupted: returns every item with audio not yet heard, in playing order — the playing item with
     * how much of it was heard, then the items queued behind it (a filler still playing when the tool's answer came),
     * cut at 0 — and forgets the outstanding marks (Twilio echoes them after a clear, but that audio was never heard).
     */
    List<Interruption> interrupt() {
        List<Interruption> cut = new ArrayList<>(2);
        for (String name : outstanding) {
            String item = itemOf(name);
            if (cut.isEmpty()) {
                cut.add(new Interruption(item, item.equals(heardItem) ? heardMs : 0));
            } else if (!cut.get(cut.size() - 1).itemId().equals(item)) {
                cut.add(new Interruption(item, 0));
            }
        }
        outstanding.clear();
        return cut;
    }

    long heardMs() {
        return heardMs;
    }

    /** The item a mark {@code <item_id>:<audio_ms_end>} belongs to. */
    private static String itemOf(String mark) {
        return mark.substring(0, mark.lastIndexOf(':'));
    }

    static long decodedLength(String base64) {
        int length = base64.length();
        if (length == 0) {
            return 0;
        }
        int padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
        return (long) length / 4 * 3 - padding;
    }

    /** Where an interruption cut the agent off. */
    record Interruption(String itemId, long audioEndMs) {
    }
}
