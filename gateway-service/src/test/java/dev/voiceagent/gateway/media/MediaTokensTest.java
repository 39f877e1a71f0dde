package dev.voiceagent.gateway.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class MediaTokensTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final MediaTokens tokens = new MediaTokens(List.of("current-secret"), Duration.ofSeconds(60), clock);

    @Test
    void acceptsAFreshTokenOnceAndReturnsItsBindings() {
        String token = tokens.mint("CA1", "acme", "support", "v7", "+15555550100", "inbound");
        MediaTokenClaims claims = tokens.consume(token, "CA1");
        assertThat(claims.tenantId()).isEqualTo("acme");
        assertThat(claims.agentKey()).isEqualTo("support");
        assertThat(claims.agentVersionId()).isEqualTo("v7");
        assertThat(claims.caller()).isEqualTo("+15555550100");
        assertThat(claims.direction()).isEqualTo("inbound");
    }

    @Test
    void rejectsReusedMediaToken() {
        String token = tokens.mint("CA1", "acme", "support", "v7", "+15555550100", "inbound");
        tokens.consume(token, "CA1");
        assertThatThrownBy(() -> tokens.consume(token, "CA1")).isInstanceOf(MediaTokenException.class)
                .hasMessageContaining("already used");
    }

    @Test
    void rejectsExpiredMediaToken() {
        String token = tokens.mint("CA1", "acme", "support", "v7", "+15555550100", "inbound");
        clock.advance(Duration.ofSeconds(61));
        assertThatThrownBy(() -> tokens.consume(token, "CA1")).hasMessageContaining("expired");
    }

    @Test
    void rejectsTokenOfAnotherCall() {
        String token = tokens.mint("CA1", "acme", "support", "v7", "+15555550100", "inbound");
        assertThatThrownBy(() -> tokens.consume(token, "CA2")).hasMessageContaining("another call");
        // a refused attempt does not burn the token for its own call
        assertThat(tokens.consume(token, "CA1").callSid()).isEqualTo("CA1");
    }

    @Test
    void rejectsTamperedClaims() {
        String token = tokens.mint("CA1", "acme", "support", "v7", "+15555550100", "inbound");
        String forgedPayload = Base64.getUrlEncoder().withoutPadding().encodeToString(
                ("{\"jti\":\"x\",\"sid\":\"CA1\",\"tid\":\"evil\",\"exp\":" + Long.MAX_VALUE / 2 + "}").getBytes());
        String forged = forgedPayload + token.substring(token.indexOf('.'));
        assertThatThrownBy(() -> tokens.consume(forged, "CA1")).hasMessageContaining("signature");
        assertThatThrownBy(() -> tokens.consume("garbage", "CA1")).hasMessageContaining("malformed");
        assertThatThrownBy(() -> tokens.consume(null, "CA1")).hasMessageContaining("missing");
    }

    @Test
    void rejectsTokenSignedWithAnUnknownSecret() {
        MediaTokens other = new MediaTokens(List.of("someone-else"), Duration.ofSeconds(60), clock);
        String token = other.mint("CA1", "acme", "support", "v7", "+15555550100", "inbound");
        assertThatThrownBy(() -> tokens.consume(token, "CA1")).hasMessageContaining("signature");
    }

    @Test
    void acceptsTokensOfThePreviousSecretDuringRotation() {
        MediaTokens before = new MediaTokens(List.of("old"), Duration.ofSeconds(60), clock);
        String inFlight = before.mint("CA1", "acme", "support", "v7", "+15555550100", "inbound");
        MediaTokens rotated = new MediaTokens(List.of("new", "old"), Duration.ofSeconds(60), clock);
        assertThat(rotated.consume(inFlight, "CA1").callSid()).isEqualTo("CA1");
        String fresh = rotated.mint("CA2", "acme", "support", "v7", "+15555550100", "inbound");
        MediaTokens retired = new MediaTokens(List.of("new"), Duration.ofSeconds(60), clock);
        assertThat(retired.consume(fresh, "CA2").callSid()).isEqualTo("CA2");
        assertThatThrownBy(() -> retired.verify(inFlight)).hasMessageContaining("signature");
    }

    @Test
    void refusesBlankSecrets() {
        assertThatThrownBy(() -> new MediaTokens(List.of(), Duration.ofSeconds(60), clock))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A clock tests can move. */
    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
