package dev.voiceagent.gateway.media;

import dev.voiceagent.support.DatabaseDeadlines;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * The used-media-token record that every gateway instance shares ({@code media_token_uses}): a token id is
 * claimed once, by a unique key, so a token replayed to another instance is refused as well. Rows are purged a
 * while after their token expired ({@link MediaTokens} refuses an expired token before it gets here).
 * {@link MediaTokens#consume} stays the in-memory fast path in front of it.
 *
 * <p>When the database cannot answer in time (an outage, or a pool queue under overload) the stream is admitted on
 * this instance's check alone, counted in {@code voice.gateway.media_tokens.shared_check_skipped}: refusing would
 * drop a live caller, while a replay to another instance would still need the signed, call-bound token within its
 * minute. The query is not cancelled at the deadline: a cancelled r2dbc conversation can leave its pooled
 * connection stuck for the next query, so the claim still lands when the database answers.
 */
public class MediaTokenUses {

    private static final Logger log = LoggerFactory.getLogger(MediaTokenUses.class);

    /** Room for clock differences between the minting instance and the database. */
    private static final Duration PURGE_MARGIN = Duration.ofMinutes(1);
    private static final Duration PURGE_INTERVAL = Duration.ofSeconds(30);

    private final DatabaseClient db;
    private final Duration timeout;
    private final Counter skipped;
    private final AtomicLong lastPurge = new AtomicLong(System.nanoTime());

    public MediaTokenUses(DatabaseClient db, Duration timeout, MeterRegistry meters) {
        this.db = db;
        this.timeout = timeout;
        this.skipped = Counter.builder("voice.gateway.media_tokens.shared_check_skipped")
                .description("Media streams admitted on this instance's token check because the shared one did not "
                        + "answer in time")
                .register(meters);
    }

    /**
     * True for the first use of the token on any instance, false for a reuse; true as well when the shared record
     * did not answer within the timeout or failed (this instance's check has already passed).
     */
    public Mono<Boolean> claim(MediaTokenClaims claims) {
        Mono<Boolean> claimed = db.sql("INSERT INTO media_token_uses (token_id, expires_at) VALUES (:id, :expires) "
                        + "ON CONFLICT (token_id) DO NOTHING")
                .bind("id", claims.tokenId())
                .bind("expires", claims.expiresAt().atOffset(ZoneOffset.UTC))
                .fetch().rowsUpdated()
                .map(rows -> rows > 0)
                .flatMap(first -> purgeIfDue().thenReturn(first));
        // past the deadline the insert still runs to its end and records the use (see the class comment)
        return DatabaseDeadlines.within(claimed, timeout)
                .onErrorResume(e -> unchecked(claims, e));
    }

    private Mono<Boolean> unchecked(MediaTokenClaims claims, Throwable cause) {
        skipped.increment();
        log.warn("media stream for call {}: the shared token check failed ({}); admitted on this instance's check",
                claims.callSid(), cause.toString());
        return Mono.just(true);
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
