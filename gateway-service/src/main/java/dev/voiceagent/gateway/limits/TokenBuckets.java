package dev.voiceagent.gateway.limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * In-memory token buckets, one per key (an IP, a tenant): {@code ratePerSecond} refill, {@code burst} capacity.
 * Limits are per gateway instance. When more than {@code maxKeys} buckets exist, full (idle) ones are dropped.
 */
public class TokenBuckets {

    private final double ratePerSecond;
    private final int burst;
    private final int maxKeys;
    private final LongSupplier nanoClock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public TokenBuckets(double ratePerSecond, int burst, int maxKeys, LongSupplier nanoClock) {
        if (ratePerSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("a rate limit needs a positive rate and a burst of at least 1");
        }
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.maxKeys = maxKeys;
        this.nanoClock = nanoClock;
    }

    /** Takes one token; 0 when allowed, else the whole seconds until a token is back (at least 1). */
    public long tryAcquire(String key) {
        if (buckets.size() > maxKeys) {
            evictIdle();
        }
        return buckets.computeIfAbsent(key, k -> new Bucket(burst, nanoClock.getAsLong())).take();
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
            return Math.max(1, (long) Math.ceil((1 - tokens) / ratePerSecond));
        }

        synchronized boolean fullAt(long now) {
            refill(now);
            return tokens >= burst;
        }

        private void refill(long now) {
            double elapsed = (now - refilledAt) / 1e9;
            if (elapsed > 0) {
                tokens = Math.min(burst, tokens + elapsed * ratePerSecond);
                refilledAt = now;
            }
        }
    }
}
