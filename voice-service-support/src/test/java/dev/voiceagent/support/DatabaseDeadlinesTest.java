package dev.voiceagent.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class DatabaseDeadlinesTest {

    @Test
    void aQueryPastItsDeadlineTimesTheCallerOutButRunsToItsEnd() {
        Tracked query = new Tracked(Duration.ofMillis(300));

        StepVerifier.create(DatabaseDeadlines.within(query.mono(), Duration.ofMillis(50)))
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(5));

        query.assertRanToItsEnd(Duration.ofMillis(500));
    }

    @Test
    void aStatementWhoseSubscriberGoesAwayRunsToItsEnd() {
        Tracked statement = new Tracked(Duration.ofMillis(200));

        // the request is cancelled (its client disconnected) while the statement runs
        StepVerifier.create(DatabaseDeadlines.toTheEnd(statement.mono()))
                .thenAwait(Duration.ofMillis(20))
                .thenCancel()
                .verify(Duration.ofSeconds(5));

        statement.assertRanToItsEnd(Duration.ofMillis(400));
    }

    /** A query that answers after {@code latency} and remembers whether it finished or was cancelled. */
    private static final class Tracked {
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private final AtomicBoolean finished = new AtomicBoolean();
        private final Mono<String> mono;

        Tracked(Duration latency) {
            this.mono = Mono.delay(latency).map(tick -> "row")
                    .doOnNext(row -> finished.set(true))
                    .doOnCancel(() -> cancelled.set(true));
        }

        Mono<String> mono() {
            return mono;
        }

        /** After {@code wait} (longer than the latency), the query has run to its end and was never cancelled. */
        void assertRanToItsEnd(Duration wait) {
            StepVerifier.create(Mono.delay(wait)).expectNextCount(1).verifyComplete();
            assertThat(finished).as("the query ran to its end").isTrue();
            assertThat(cancelled).as("the query was never cancelled").isFalse();
        }
    }

    @Test
    void aQueryPastItsDeadlineGivesTheFallbackAndAnAnswerInTimeIsPassedOn() {
        Mono<String> slow = Mono.delay(Duration.ofMillis(300)).map(tick -> "late");
        StepVerifier.create(DatabaseDeadlines.within(slow, Duration.ofMillis(50), Mono.just("fallback")))
                .expectNext("fallback")
                .verifyComplete();
        StepVerifier.create(DatabaseDeadlines.within(Mono.just("row"), Duration.ofSeconds(1), Mono.just("fallback")))
                .expectNext("row")
                .verifyComplete();
    }
}
