package dev.voiceagent.gateway.limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * In-memory token buckets, one per key (an IP, a tenant): {@code ratePerSecond} refill, {@code burst} capacity, or a
 * key's own rate and burst when the caller names them (a tenant's published limit). Buckets are per gateway instance; {@link #share} divides rate and burst among the live instances when the limit
 * is meant for all of them together. When more than {@code maxKeys} buckets exist, full (idle) ones are dropped.
 */
public class TokenBuckets {

    private final double ratePerSecond;
    private final int burst;
    private final int maxKeys;
    private final LongSupplier nanoClock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private volatile int shares = 1;

    public TokenBuckets(double ratePerSecond, int burst, int maxKeys, LongSupplier nanoClock) {
        if (ratePerSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("a rate limit needs a positive rate and a burst of at least 1");
        }
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.maxKeys = maxKeys;
        this.nanoClock = nanoClock;
    }

    /** This instance's share of the limit: rate / {@code instances}, burst / {@code instances} (at least 1). */
    public void share(int instances) {
        shares = Math.max(1, instances);
    }

    /** Takes one token at the default rate; 0 when allowed, else the whole seconds until one is back (at least 1). */
    public long tryAcquire(String key) {
        return tryAcquire(key, ratePerSecond, burst);
    }

    /**
     * Takes one token from a bucket refilled at this key's own {@code ratePerSecond} up to its own {@code burst}; a
     * changed rate or burst applies from this call on.
     */
    public long tryAcquire(String key, double ratePerSecond, int burst) {
        if (ratePerSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("a rate limit needs a positive rate and a burst of at least 1");
        }
        if (buckets.size() > maxKeys) {
            evictIdle();
        }
        return buckets.computeIfAbsent(key, k -> new Bucket(ratePerSecond, burst, nanoClock.getAsLong()))
                .take(ratePerSecond, burst);
    }

    private void evictIdle() {
        long now = nanoClock.getAsLong();
        buckets.values().removeIf(bucket -> bucket.fullAt(now));
    }

    /** One key's tokens; synchronized, as each bucket is touched by one request at a time in practice. */
    private final class Bucket {
        private double ratePerSecond;
        private int burst;
        private double tokens;
        private long refilledAt;

        Bucket(double ratePerSecond, int burst, long now) {
            this.ratePerSecond = ratePerSecond;
            this.burst = burst;
            this.tokens = capacity();
            this.refilledAt = now;
        }

        private double rate() {
            return ratePerSecond / shares;
        }

        private double capacity() {
            return Math.max(1, burst / shares);
        }

        synchronized long take(double ratePerSecond, int burst) {
            refill(nanoClock.getAsLong());
            this.ratePerSecond = ratePerSecond;
            this.burst = burst;
            tokens = Math.min(capacity(), tokens);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - tokens) / rate()));
        }

        synchronized boolean fullAt(long now) {
            refill(now);
            return tokens >= capacity();
        }

        /** Refills for the time passed; a smaller share also trims what a bucket holds. */
        private void refill(long now) {
            double elapsed = (now - refilledAt) / 1e9;
            if (elapsed > 0) {
                tokens += elapsed * rate();
                refilledAt = now;
            }
            tokens = Math.min(capacity(), tokens);
        }
    }
}
