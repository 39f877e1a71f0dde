package dev.voiceagent.gateway.limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * In-memory token buckets, one per key (an IP, a tenant): {@code ratePerSecond} refill, {@code burst} capacity.
 * Buckets are per gateway instance; {@link #share} divides rate and burst among the live instances when the limit
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

    private double rate() {
        return ratePerSecond / shares;
    }

    private double capacity() {
        return Math.max(1, burst / shares);
    }

    /** Takes one token; 0 when allowed, else the whole seconds until a token is back (at least 1). */
    public long tryAcquire(String key) {
        if (buckets.size() > maxKeys) {
            evictIdle();
        }
        return buckets.computeIfAbsent(key, k -> new Bucket(capacity(), nanoClock.getAsLong())).take();
    }

    private void evictIdle() {
        long now = nanoClock.getAsLong();
        buckets.values().removeIf(bucket -> bucket.fullAt(now));
    }

    /** One key's tokens; synchronized, as each bucket is touched by one request at a time in practice. */
    private final class Bucket {
        private double tokens;
        private long refilledAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }

        synchronized long take() {
            refill(nanoClock.getAsLong());
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
