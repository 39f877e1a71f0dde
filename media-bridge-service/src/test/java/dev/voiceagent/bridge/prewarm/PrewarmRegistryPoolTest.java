package dev.voiceagent.bridge.prewarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.bridge.realtime.ModelConnection;
import dev.voiceagent.bridge.realtime.RealtimeClient;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent;
import dev.voiceagent.bridge.support.BridgeMetrics;
import dev.voiceagent.bridge.support.BridgeProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The warm pool: pre-opened model connections per model, handed to new sessions and replaced when stale. */
class PrewarmRegistryPoolTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    /** Model sockets opened (by model) and closed. */
    private final List<String> opened = new ArrayList<>();
    private final AtomicInteger closed = new AtomicInteger();
    private PrewarmRegistry registry;

    @AfterEach
    void dispose() {
        registry.dispose();
        clock.dispose();
    }

    private PrewarmRegistry registry(int poolSize, Duration maxAge) {
        RealtimeClient client = (model, outbound) -> Flux.<RealtimeServerEvent>never()
                .doOnSubscribe(s -> {
                    synchronized (opened) {
                        opened.add(model);
                    }
                })
                .doOnCancel(closed::incrementAndGet);
        BridgeProperties bridge = new BridgeProperties("bridge-test", Duration.ofSeconds(8), Duration.ofMillis(1500),
                Duration.ofSeconds(10), 250, 500, "FILLER", "APOLOGY", "GREET: ");
        bridge = bridge.with(new BridgeProperties.Prewarm(Duration.ofSeconds(30), poolSize, maxAge, 1000),
                bridge.resilience(), bridge.idle());
        registry = new PrewarmRegistry(client, bridge, new BridgeMetrics(meters, () -> 0), clock, "gpt-realtime");
        return registry;
    }

    private double taken(String result) {
        var counter = meters.find("voice.bridge.prewarm").tag("result", result).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void theDefaultModelsPoolIsFilledAtStartAndRefilledAsSessionsTakeFromIt() {
        PrewarmRegistry pool = registry(2, Duration.ofMinutes(5));
        clock.advanceTime();
        assertThat(pool.pooled()).isEqualTo(2);
        assertThat(opened).containsExactly("gpt-realtime", "gpt-realtime");

        ModelConnection first = pool.open("gpt-realtime");
        assertThat(first.isDisposed()).isFalse();
        assertThat(taken("pooled")).isEqualTo(1);
        assertThat(pool.pooled()).as("refilled at once").isEqualTo(2);
        assertThat(opened).as("the session took an open socket; one more replaces it").hasSize(3);

        ModelConnection second = pool.open("gpt-realtime");
        assertThat(second).isNotSameAs(first);
        assertThat(taken("pooled")).isEqualTo(2);
        assertThat(closed).as("nothing handed out is closed").hasValue(0);
    }

    @Test
    void connectionsPastTheirMaximumAgeAreReplacedNotHandedOut() {
        PrewarmRegistry pool = registry(1, Duration.ofSeconds(60));
        clock.advanceTime();
        assertThat(opened).hasSize(1);

        // the maintenance tick (every quarter of the maximum age) replaces a connection past its age
        clock.advanceTimeBy(Duration.ofSeconds(75));
        assertThat(closed.get()).as("the stale connection is closed").isEqualTo(1);
        assertThat(pool.pooled()).isEqualTo(1);
        int openedBefore = opened.size();

        // a connection that aged out between ticks is not handed to a session either
        clock.advanceTimeBy(Duration.ofSeconds(59));
        ModelConnection link = pool.open("gpt-realtime");
        assertThat(link.openedAtMs()).as("a pooled one younger than the maximum age")
                .isGreaterThanOrEqualTo(clock.now(java.util.concurrent.TimeUnit.MILLISECONDS) - 60_000);
        assertThat(opened.size()).isGreaterThan(openedBefore);
    }

    @Test
    void anotherModelGetsAFreshConnectionAndAPoolOfItsOwn() {
        PrewarmRegistry pool = registry(1, Duration.ofMinutes(5));
        clock.advanceTime();

        ModelConnection link = pool.open("gpt-realtime-mini");
        assertThat(link.model()).isEqualTo("gpt-realtime-mini");
        assertThat(taken("pooled")).isZero();
        assertThat(pool.pooled()).as("one per model now").isEqualTo(2);

        pool.dispose();
        assertThat(closed.get()).as("pooled connections close with the registry").isEqualTo(2);
        assertThat(link.isDisposed()).as("the session's own connection is not the registry's to close").isFalse();
    }

    @Test
    void noPoolByDefault() {
        PrewarmRegistry pool = registry(0, Duration.ofMinutes(5));
        clock.advanceTimeBy(Duration.ofMinutes(10));
        assertThat(pool.pooled()).isZero();
        assertThat(opened).isEmpty();
        pool.open("gpt-realtime");
        assertThat(opened).hasSize(1);
        assertThat(pool.pooled()).isZero();
    }
}
