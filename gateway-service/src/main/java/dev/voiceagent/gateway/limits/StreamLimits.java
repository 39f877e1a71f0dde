package dev.voiceagent.gateway.limits;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The media-stream limits of one gateway instance: open streams per tenant ({@code tenant-concurrent-streams}) and
 * frames per second per stream ({@code stream-frames-per-second}). Twilio sends 50 media frames a second plus
 * marks, so the frame limit only catches floods; the stream limit caps what one tenant can hold on this instance.
 */
public class StreamLimits {

    private final int streamsPerTenant;
    private final int framesPerSecond;
    private final LongSupplier nanos;
    private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

    public StreamLimits(int streamsPerTenant, int framesPerSecond, LongSupplier nanos) {
        this.streamsPerTenant = streamsPerTenant;
        this.framesPerSecond = framesPerSecond;
        this.nanos = nanos;
    }

    /** Takes a stream slot for the tenant; false (nothing taken) when it already has as many as it may. */
    public boolean tryOpen(String tenantId) {
        boolean[] taken = {false};
        open.compute(tenantId, (tenant, count) -> {
            int current = count == null ? 0 : count;
            if (current >= streamsPerTenant) {
                return count;
            }
            taken[0] = true;
            return current + 1;
        });
        return taken[0];
    }

    /** Gives back a slot taken by {@link #tryOpen}. */
    public void closed(String tenantId) {
        open.computeIfPresent(tenantId, (tenant, count) -> count <= 1 ? null : count - 1);
    }

    /** Streams the tenant has open on this instance. */
    public int openStreams(String tenantId) {
        return open.getOrDefault(tenantId, 0);
    }

    /** A counter for one stream's frames. */
    public FrameRate frameRate() {
        return new FrameRate(framesPerSecond, nanos);
    }

    /** Frames of one stream counted in whole-second windows; read by the stream's single inbound thread. */
    public static final class FrameRate {
        private static final long SECOND = 1_000_000_000L;

        private final int limit;
        private final LongSupplier nanos;
        private long windowStart;
        private int frames;

        FrameRate(int limit, LongSupplier nanos) {
            this.limit = limit;
            this.nanos = nanos;
            this.windowStart = nanos.getAsLong();
        }

        /** Counts a frame; false once the current second holds more than the limit. */
        public boolean allow() {
            long now = nanos.getAsLong();
            if (now - windowStart >= SECOND) {
                windowStart = now;
                frames = 0;
            }
            return ++frames <= limit;
        }
    }
}
