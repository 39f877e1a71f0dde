package dev.voiceagent.bridge.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.bridge.session.VoiceSessionRecord;
import dev.voiceagent.bridge.support.BridgeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** The session-record store as a session sees it: an offer never waits and never does the write itself. */
class VoiceSessionStoreTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final BridgeMetrics metrics = new BridgeMetrics(meters, () -> 0);
    /** Where and what each write was, in order. */
    private final List<String> writes = new CopyOnWriteArrayList<>();
    /** Completes the writes: until it does, a write hangs as it would on a stalled database. */
    private final Sinks.Empty<Void> database = Sinks.empty();
    private VoiceSessionStore store;

    private final VoiceSessionRepository repository = new VoiceSessionRepository(null) {
        @Override
        public Mono<Void> upsert(VoiceSessionRecord record) {
            writes.add(record.callSid() + "@" + Thread.currentThread().getName());
            return database.asMono();
        }
    };

    @AfterEach
    void stop() {
        if (store != null) {
            store.stop();
        }
    }

    @Test
    void theWriteRunsOnTheStoresOwnThreadNotOnTheOfferingOne() {
        database.tryEmitEmpty();
        store = new VoiceSessionStore(repository, metrics, 10, Duration.ofSeconds(5));
        store.start();

        store.offer(record("CA1"));
        store.offer(record("CA2"));

        await().atMost(Duration.ofSeconds(5)).until(() -> writes.size() == 2);
        assertThat(writes).extracting(w -> w.substring(0, w.indexOf('@'))).containsExactly("CA1", "CA2");
        assertThat(writes).extracting(w -> w.substring(w.indexOf('@') + 1))
                .allSatisfy(thread -> assertThat(thread).startsWith(VoiceSessionStore.WRITER_THREAD));
    }

    @Test
    void aStalledDatabaseQueuesRecordsUpToTheCapacityThenDropsAndCountsThemWithoutWaiting() {
        store = new VoiceSessionStore(repository, metrics, 2, Duration.ofMinutes(1));
        store.start();

        store.offer(record("CA1"));
        await().atMost(Duration.ofSeconds(5)).until(() -> writes.size() == 1);
        long began = System.nanoTime();
        store.offer(record("CA2"));
        // time for the drain to take CA2 if it would: a record waits in the queue until its write begins
        Mono.delay(Duration.ofMillis(200)).block();
        store.offer(record("CA3"));
        store.offer(record("CA4"));
        assertThat(Duration.ofNanos(System.nanoTime() - began)).as("offers return at once")
                .isLessThan(Duration.ofSeconds(2));

        assertThat(meters.counter("voice.bridge.records.dropped").count()).isEqualTo(1);
        database.tryEmitEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> writes.size() == 3);
        assertThat(writes).extracting(w -> w.substring(0, w.indexOf('@'))).containsExactly("CA1", "CA2", "CA3");
    }

    @Test
    void aStoppedStoreDropsAndCounts() {
        store = new VoiceSessionStore(repository, metrics, 2, Duration.ofSeconds(5));

        store.offer(record("CA1"));

        assertThat(meters.counter("voice.bridge.records.dropped").count()).isEqualTo(1);
        assertThat(writes).isEmpty();
    }

    @Test
    void stopWritesWhatIsQueuedBeforeItStops() throws InterruptedException {
        store = new VoiceSessionStore(repository, metrics, 10, Duration.ofMinutes(1));
        store.start();
        store.offer(record("CA1"));
        store.offer(record("CA2"));
        store.offer(record("CA3"));
        await().atMost(Duration.ofSeconds(5)).until(() -> writes.size() == 1);

        CountDownLatch stopped = new CountDownLatch(1);
        store.stop(stopped::countDown);
        assertThat(stopped.await(300, TimeUnit.MILLISECONDS)).as("stopped with records queued").isFalse();
        database.tryEmitEmpty();

        assertThat(stopped.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(store.isRunning()).isFalse();
        assertThat(writes).extracting(w -> w.substring(0, w.indexOf('@'))).containsExactly("CA1", "CA2", "CA3");
        assertThat(meters.counter("voice.bridge.records.dropped").count()).isZero();
    }

    @Test
    void aRecordOfferedWhileTheStopWaitsForLiveSessionsIsWrittenAndOneAfterTheStopIsCounted()
            throws InterruptedException {
        database.tryEmitEmpty();
        AtomicInteger live = new AtomicInteger(1);
        store = new VoiceSessionStore(repository, metrics, 10, Duration.ofSeconds(5), Duration.ofSeconds(10), live::get);
        store.start();

        CountDownLatch stopped = new CountDownLatch(1);
        store.stop(stopped::countDown);
        assertThat(stopped.await(300, TimeUnit.MILLISECONDS)).as("a session is still live").isFalse();
        // the web server's stop ended the call: its final record, then the registry lets it go
        store.offer(record("CA1"));
        live.set(0);

        assertThat(stopped.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(writes).extracting(w -> w.substring(0, w.indexOf('@'))).containsExactly("CA1");
        store.offer(record("CA2"));
        assertThat(meters.counter("voice.bridge.records.dropped").count()).as("refused after the stop").isEqualTo(1);
        assertThat(writes).hasSize(1);
    }

    @Test
    void aGraceThatRunsOutStopsAndCountsWhatIsLeft() {
        store = new VoiceSessionStore(repository, metrics, 10, Duration.ofMinutes(1), Duration.ofMillis(300), () -> 0);
        store.start();
        store.offer(record("CA1"));
        store.offer(record("CA2"));
        store.offer(record("CA3"));
        await().atMost(Duration.ofSeconds(5)).until(() -> writes.size() == 1);

        long began = System.nanoTime();
        store.stop();

        assertThat(Duration.ofNanos(System.nanoTime() - began)).isBetween(Duration.ofMillis(250), Duration.ofSeconds(5));
        assertThat(store.isRunning()).isFalse();
        assertThat(meters.counter("voice.bridge.records.dropped").count()).as("the one in hand and two queued")
                .isEqualTo(3);
    }

    private static VoiceSessionRecord record(String callSid) {
        return new VoiceSessionRecord("vs-" + callSid, callSid, "acme", "support", "v1", "inbound", "+15555550100",
                "MZ1", "active", null, Instant.now(), null, null, null, Map.of(), List.of(), List.of(), null, List.of(),
                "bridge-1");
    }
}
