package dev.voiceagent.support;

import java.time.Duration;
import reactor.core.publisher.Mono;

/**
 * A deadline on a database call that stops waiting without cancelling the query. A cancelled r2dbc-postgresql
 * conversation can leave its pooled connection waiting for the rest of the response, and the next query on that
 * connection never completes (a request that hangs with no error); so the query runs to its end, its late result
 * dropped, while the caller gets the timeout (or the fallback) at the deadline. Queries must be idempotent or their
 * late effect harmless, as they are for retried writes anyway.
 */
public final class DatabaseDeadlines {

    private DatabaseDeadlines() {
    }

    /** {@code query}, or a {@code TimeoutException} once {@code deadline} has passed without an answer. */
    public static <T> Mono<T> within(Mono<T> query, Duration deadline) {
        return toTheEnd(query).timeout(deadline);
    }

    /**
     * {@code query}, run to its end even when its subscriber goes away (a request whose client disconnected, a
     * cancelled pipeline), for statements whose effect is wanted anyway: besides the stuck connection above,
     * r2dbc-postgresql leaks the encoded parameters of a statement cancelled before it was sent (the 300-caller
     * soak showed the leak when Twilio's stand-in gave up on slow webhooks).
     */
    public static <T> Mono<T> toTheEnd(Mono<T> query) {
        // cache(): a cancelled subscriber leaves the source subscription running to its end
        return query.cache();
    }

    /** {@code query}, or {@code fallback} once {@code deadline} has passed without an answer. */
    public static <T> Mono<T> within(Mono<T> query, Duration deadline, Mono<T> fallback) {
        return query.cache().timeout(deadline, fallback);
    }
}
