package dev.voiceagent.callbacks.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.callbacks.sla.QueuePolicyProperties;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {

    @Test
    void signsTheExactBodyWithHmacSha256() {
        // RFC 4231-style check value computed independently (openssl dgst -sha256 -hmac key)
        assertThat(WebhookSigner.sign("key", "The quick brown fox jumps over the lazy dog"))
                .isEqualTo("sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    }

    @Test
    void tenantSecretsFallBackToTheDefaultAndNeverPrint() {
        var withDefault = new QueuePolicyProperties.Notifications(true, Map.of("a", "sa"), "dflt",
                Duration.ofSeconds(1), 3, Duration.ofSeconds(1), Duration.ofSeconds(5));
        assertThat(withDefault.secretOf("a")).isEqualTo("sa");
        assertThat(withDefault.secretOf("b")).isEqualTo("dflt");
        assertThat(withDefault.toString()).doesNotContain("sa\"").doesNotContain("dflt");
        var none = new QueuePolicyProperties.Notifications(true, null, null, Duration.ofSeconds(1), 3,
                Duration.ofSeconds(1), Duration.ofSeconds(5));
        assertThat(none.secretOf("a")).isNull();
    }

    @Test
    void backOffDoublesUpToTheCap() {
        var policy = new QueuePolicyProperties(Duration.ofSeconds(1), 0.25,
                new QueuePolicyProperties.Expiry(true, Duration.ofHours(1), false),
                new QueuePolicyProperties.Notifications(true, null, null, Duration.ofSeconds(1), 6,
                        Duration.ofSeconds(10), Duration.ofSeconds(60)),
                new QueuePolicyProperties.Reconciliation(true, Duration.ofMinutes(5)));
        SlaNotifier notifier = new SlaNotifier(null, null, null, null, policy, new NoTransactions());
        assertThat(notifier.backoff(1)).isEqualTo(Duration.ofSeconds(10));
        assertThat(notifier.backoff(2)).isEqualTo(Duration.ofSeconds(20));
        assertThat(notifier.backoff(3)).isEqualTo(Duration.ofSeconds(40));
        assertThat(notifier.backoff(4)).isEqualTo(Duration.ofSeconds(60));
    }

    /** A transaction manager the back-off computation never uses. */
    static class NoTransactions implements org.springframework.transaction.ReactiveTransactionManager {
        @Override
        public reactor.core.publisher.Mono<org.springframework.transaction.ReactiveTransaction> getReactiveTransaction(
                org.springframework.transaction.TransactionDefinition definition) {
            return reactor.core.publisher.Mono.error(new UnsupportedOperationException());
        }

        @Override
        public reactor.core.publisher.Mono<Void> commit(org.springframework.transaction.ReactiveTransaction status) {
            return reactor.core.publisher.Mono.empty();
        }

        @Override
        public reactor.core.publisher.Mono<Void> rollback(org.springframework.transaction.ReactiveTransaction status) {
            return reactor.core.publisher.Mono.empty();
        }
    }
}
