package dev.voiceagent.gateway.media;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * The used-media-token record that every gateway instance shares ({@code media_token_uses}): a token id is
 * claimed once, by a unique key, so a token replayed to another instance is refused as well. Rows are purged a
 * while after their token expired ({@link MediaTokens} refuses an expired token before it gets here).
 * {@link MediaTokens#consume} stays the in-memory fast path in front of it.
 */
public class MediaTokenUses {

    /** Room for clock differences between the minting instance and the database. */
    private static final Duration PURGE_MARGIN = Duration.ofMinutes(1);
    private static final Duration PURGE_INTERVAL = Duration.ofSeconds(30);

    private final DatabaseClient db;
    private final Duration timeout;
    private final AtomicLong lastPurge = new AtomicLong(System.nanoTime());

    public MediaTokenUses(DatabaseClient db, Duration timeout) {
        this.db = db;
        this.timeout = timeout;
    }

    /** True for the first use of the token on any instance, false for a reuse; errors when the check failed. */
    public Mono<Boolean> claim(MediaTokenClaims claims) {
        return db.sql("INSERT INTO media_token_uses (token_id, expires_at) VALUES (:id, :expires) "
                        + "ON CONFLICT (token_id) DO NOTHING")
                .bind("id", claims.tokenId())
                .bind("expires", claims.expiresAt().atOffset(ZoneOffset.UTC))
                .fetch().rowsUpdated()
                .map(rows -> rows > 0)
                .flatMap(first -> purgeIfDue().thenReturn(first))
                .timeout(timeout);
    }

    private Mono<Void> purgeIfDue() {
        long now = System.nanoTime();
        long last = lastPurge.get();
        if (now - last < PURGE_INTERVAL.toNanos() || !lastPurge.compareAndSet(last, now)) {
            return Mono.empty();
        }
        return db.sql("DELETE FROM media_token_uses WHERE expires_at < now() - make_interval(secs => :margin)")
                .bind("margin", (double) PURGE_MARGIN.toSeconds())
                .then();
    }
}
