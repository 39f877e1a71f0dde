package dev.voiceagent.bridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.testkit.reactor.CountedContextValue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Hooks;
import reactor.test.StepVerifier;
import reactor.test.StepVerifierOptions;
import reactor.util.context.Context;

class PriorityLaneTest {

    @Test
    void controlOvertakesQueuedData() {
        PriorityLane<String> lane = new PriorityLane<>(10, d -> { });
        lane.offerData("audio-1");
        lane.offerData("audio-2");
        lane.offerControl("clear");
        lane.complete();
        StepVerifier.create(lane.flux()).expectNext("clear", "audio-1", "audio-2").verifyComplete();
    }

    @Test
    void emitsOnlyOnDemandAndInterruptionDropsUnsentData() {
        PriorityLane<String> lane = new PriorityLane<>(10, d -> { });
        StepVerifier.create(lane.flux(), 1)
                .then(() -> {
                    lane.offerData("audio-1");
                    lane.offerData("audio-2");
                    lane.offerData("audio-3");
                })
                .expectNext("audio-1")
                .then(() -> {
                    assertThat(lane.clearData()).isEqualTo(2);
                    lane.offerControl("clear");
                    lane.offerData("audio-4");
                    lane.complete();
                })
                .thenRequest(10)
                .expectNext("clear", "audio-4")
                .verifyComplete();
    }

    @Test
    void boundedDataQueueDropsTheOldest() {
        List<String> dropped = new ArrayList<>();
        PriorityLane<String> lane = new PriorityLane<>(2, dropped::add);
        lane.offerData("a");
        lane.offerData("b");
        lane.offerData("c");
        assertThat(lane.dropped()).isEqualTo(1);
        assertThat(lane.clearData()).as("cleared on purpose").isEqualTo(2);
        assertThat(lane.dropped()).as("a clear is not a drop").isEqualTo(1);
        lane.offerData("b");
        lane.offerData("c");
        lane.complete();
        StepVerifier.create(lane.flux()).expectNext("b", "c").verifyComplete();
        assertThat(dropped).containsExactly("a");
    }

    @Test
    void stampedDataReportsItsOwnTimeInTheLaneThroughDropsAndClears() {
        List<Long> seconds = new ArrayList<>();
        PriorityLane<String> lane = new PriorityLane<>(2, d -> { }, nanos -> seconds.add(nanos / 1_000_000_000L));
        lane.offerData("a", secondsAgo(5));
        lane.offerData("b", secondsAgo(6));
        lane.offerData("c", secondsAgo(7));
        StepVerifier.create(lane.flux(), 1)
                .expectNext("b")
                .then(() -> {
                    lane.offerData("mark");
                    lane.offerData("d", secondsAgo(8));
                })
                .thenRequest(1)
                .expectNext("mark")
                .then(() -> {
                    lane.clearData();
                    lane.offerData("e", secondsAgo(9));
                    lane.complete();
                })
                .thenRequest(5)
                .expectNext("e")
                .verifyComplete();
        assertThat(seconds).as("a and c dropped when full, mark unstamped, d cleared").containsExactly(6L, 9L);
    }

    private static long secondsAgo(int seconds) {
        return System.nanoTime() - seconds * 1_000_000_000L;
    }

    @Test
    void nothingIsAcceptedAfterCompletion() {
        PriorityLane<String> lane = new PriorityLane<>(2, d -> { });
        lane.complete();
        lane.offerControl("late");
        StepVerifier.create(lane.flux()).verifyComplete();
    }

    @Test
    void oneSubscriberOnlyAndACancelDiscardsWhatWaits() {
        PriorityLane<String> lane = new PriorityLane<>(10, d -> { });
        lane.offerData("audio-1");
        StepVerifier.create(lane.flux(), 0).thenCancel().verify();
        assertThat(lane.queuedData()).as("discarded on cancel").isZero();
        lane.offerData("audio-2");
        assertThat(lane.queuedData()).as("nothing is accepted after a cancel").isZero();
        StepVerifier.create(lane.flux()).expectError(IllegalStateException.class).verify();
    }

    /**
     * With automatic context propagation on (as in every service), Reactor wraps a {@code Flux.create}'s subscriber
     * so that each item restores the thread-locals of the subscriber's context: on a lane that was every audio frame.
     * The lane's own publisher is not wrapped.
     */
    @Test
    void itemsDoNotRestoreThreadLocalsOnTheWay() {
        boolean wasEnabled = Hooks.isAutomaticContextPropagationEnabled();
        Hooks.enableAutomaticContextPropagation();
        try (CountedContextValue call = CountedContextValue.register("priority-lane-test")) {
            PriorityLane<String> lane = new PriorityLane<>(100, d -> { });
            for (int i = 0; i < 50; i++) {
                lane.offerData("audio-" + i);
            }
            lane.complete();
            // a subscriber with a context of its own, as the socket writers are
            StepVerifier.create(lane.flux(), StepVerifierOptions.create()
                            .withInitialContext(Context.of(call.key(), "call")))
                    .expectNextCount(50)
                    .verifyComplete();
            assertThat(call.sets() + call.clears()).as("thread-local sets and clears for 50 items").isZero();
        } finally {
            if (!wasEnabled) {
                Hooks.disableAutomaticContextPropagation();
            }
        }
    }
}
