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
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicBoolean finished = new AtomicBoolean();
        Mono<String> query = Mono.delay(Duration.ofMillis(300)).map(tick -> "row")
                .doOnNext(row -> finished.set(true))
                .doOnCancel(() -> cancelled.set(true));

        StepVerifier.create(DatabaseDeadlines.within(query, Duration.ofMillis(50)))
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(5));

        StepVerifier.create(Mono.delay(Duration.ofMillis(500))).expectNextCount(1).verifyComplete();
        assertThat(finished).as("the query ran to its end").isTrue();
        assertThat(cancelled).as("the query was never cancelled").isFalse();
    }

    @Test
    void aStatementWhoseSubscriberGoesAwayRunsToItsEnd() {
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicBoolean finished = new AtomicBoolean();
        Mono<String> statement = Mono.delay(Duration.ofMillis(200)).map(tick -> "admitted")
                .doOnNext(row -> finished.set(true))
                .doOnCancel(() -> cancelled.set(true));

        // the request is cancelled (its client disconnected) while the statement runs
        StepVerifier.create(DatabaseDeadlines.toTheEnd(statement))
                .thenAwait(Duration.ofMillis(20))
                .thenCancel()
                .verify(Duration.ofSeconds(5));

        StepVerifier.create(Mono.delay(Duration.ofMillis(400))).expectNextCount(1).verifyComplete();
        assertThat(finished).as("the statement ran to its end").isTrue();
        assertThat(cancelled).as("the statement was never cancelled").isFalse();
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
