package dev.voiceagent.callbacks.webhook;

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
                Duration.ofSeconds(1), 3, Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(2), 8, 10);
        assertThat(withDefault.secretOf("a")).isEqualTo("sa");
        assertThat(withDefault.secretOf("b")).isEqualTo("dflt");
        assertThat(withDefault.toString()).doesNotContain("sa\"").doesNotContain("dflt");
        var none = new QueuePolicyProperties.Notifications(true, null, null, Duration.ofSeconds(1), 3,
                Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(2), 8, 10);
        assertThat(none.secretOf("a")).isNull();
    }

    @Test
    void backOffDoublesUpToTheCap() {
        var settings = new QueuePolicyProperties.Notifications(true, null, null, Duration.ofSeconds(1), 6,
                Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(2), 8, 10);
        assertThat(settings.backoff(1)).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings.backoff(2)).isEqualTo(Duration.ofSeconds(20));
        assertThat(settings.backoff(3)).isEqualTo(Duration.ofSeconds(40));
        assertThat(settings.backoff(4)).isEqualTo(Duration.ofSeconds(60));
        assertThat(settings.backoff(60)).isEqualTo(Duration.ofSeconds(60));
    }
}
