package dev.voiceagent.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketsTest {

    private final AtomicLong nanos = new AtomicLong();
    private final TokenBuckets buckets = new TokenBuckets(10, 20, 1000, nanos::get);

    @Test
    void aShareOfTwoHalvesBurstAndRate() {
        buckets.share(2);
        assertThat(allowed("acme", 30)).isEqualTo(10);
        nanos.addAndGet(1_000_000_000L);
        assertThat(allowed("acme", 30)).isEqualTo(5);
    }

    @Test
    void aSmallerShareTrimsFullBucketsAndALargerOneRefillsUpToTheWholeBurst() {
        assertThat(allowed("acme", 5)).isEqualTo(5);
        buckets.share(4);
        assertThat(allowed("acme", 30)).isEqualTo(5);
        buckets.share(1);
        nanos.addAndGet(10_000_000_000L);
        assertThat(allowed("acme", 30)).isEqualTo(20);
    }

    @Test
    void everyInstanceKeepsAtLeastOneToken() {
        buckets.share(100);
        assertThat(allowed("acme", 5)).isEqualTo(1);
        assertThat(buckets.tryAcquire("acme")).isPositive();
    }

    @Test
    void aKeyWithItsOwnRateHasItsOwnBurstRefillAndWaitAndAChangeAppliesAtOnce() {
        // one call a minute: a burst of one, then the wait is the minute
        assertThat(buckets.tryAcquire("slow", 1 / 60.0, 1)).isZero();
        assertThat(buckets.tryAcquire("slow", 1 / 60.0, 1)).isEqualTo(60);
        assertThat(allowed("acme", 20)).as("other keys keep the default").isEqualTo(20);
        nanos.addAndGet(30_000_000_000L);
        assertThat(buckets.tryAcquire("slow", 1 / 60.0, 1)).isEqualTo(30);
        // the tenant's limit is raised to 120 a minute: the half token refilled so far counts, at the new rate
        assertThat(buckets.tryAcquire("slow", 2, 120)).isEqualTo(1);
        nanos.addAndGet(1_000_000_000L);
        assertThat(buckets.tryAcquire("slow", 2, 120)).isZero();
    }

    private int allowed(String key, int attempts) {
        int allowed = 0;
        for (int i = 0; i < attempts; i++) {
            allowed += buckets.tryAcquire(key) == 0 ? 1 : 0;
        }
        return allowed;
    }
}
