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

    private int allowed(String key, int attempts) {
        int allowed = 0;
        for (int i = 0; i < attempts; i++) {
            allowed += buckets.tryAcquire(key) == 0 ? 1 : 0;
        }
        return allowed;
    }
}
