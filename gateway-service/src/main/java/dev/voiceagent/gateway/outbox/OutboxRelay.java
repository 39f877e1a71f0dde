package dev.voiceagent.gateway.outbox;

import dev.voiceagent.support.BackgroundLoop;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.gateway.support.GatewayProperties;
import dev.voiceagent.support.EventPublisher;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import dev.voiceagent.support.observability.TraceContinuation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Publishes pending {@code outbox_events} rows and marks them published. One pass is one transaction under a
 * cluster-wide advisory lock (so two gateway instances never interleave one call's events); within a pass each
 * call's events go out in order, calls in parallel, and a call whose event fails keeps its later events for the
 * next pass. Runs on every committed write and on a timer; a managed lifecycle bean whose loop is disposed on stop.
 */
public class OutboxRelay extends BackgroundLoop {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    /** Advisory lock key shared by every gateway instance ("voicegwo"). */
    private static final long RELAY_LOCK = 0x766f69636567776fL;

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final EventPublisher publisher;
    private final ObservationRegistry observations;
    private final GatewayProperties.Outbox settings;
    private final Counter published;
    private final Counter batches;
    private final Sinks.Many<Boolean> wakeUps = Sinks.many().multicast().directBestEffort();
    /** Passes run one at a time (concatMap), so this needs no more than visibility. */
    private volatile long lastPurge = System.nanoTime();

    public OutboxRelay(DatabaseClient db, TransactionalOperator tx, EventPublisher publisher,
                       GatewayProperties.Outbox settings, ObservationRegistry observations, MeterRegistry meters) {
        this.observations = observations;
        this.published = Counter.builder("voice.gateway.outbox.published")
                .description("Call events this instance's relay published from the outbox and marked published")
                .register(meters);
        this.batches = Counter.builder("voice.gateway.outbox.batches")
                .description("Relay transactions that published at least one event (published / batches = rows a pass)")
                .register(meters);
        this.db = db;
        this.tx = tx;
        this.publisher = publisher;
        this.settings = settings;
    }

    /** Asks for a pass soon; passes requested while one runs collapse into the next. */
    public void wakeUp() {
        synchronized (wakeUps) {
            wakeUps.tryEmitNext(Boolean.TRUE);
        }
    }

    @Override
    protected Flux<?> loop() {
        Flux<Boolean> ticks = Flux.interval(settings.interval(), settings.interval()).map(tick -> Boolean.TRUE);
        Duration linger = settings.linger();
        return Flux.merge(Flux.just(Boolean.TRUE), wakeUps.asFlux(), ticks)
                .onBackpressureLatest()
                // the linger lets the writes of the next few milliseconds share a pass (and its transaction, lock,
                // select and update) instead of a pass each: under load that is several rows a pass, not one
                .concatMap(signal -> linger.isZero() ? pass() : Mono.delay(linger).then(pass()), 1);
    }

    /** Drains until a batch comes back short; failures are logged and retried on the next pass. */
    private Mono<Void> pass() {
        return drainBatch()
                .expand(done -> done >= settings.batchSize() ? drainBatch() : Mono.empty())
                .then(Mono.defer(this::purgeIfDue))
                .doOnError(e -> log.warn("outbox pass failed, retrying on the next pass: {}", e.toString()))
                .onErrorResume(e -> Mono.empty());
    }

    /** One transaction; emits the rows it published, or 0 when some of its rows failed (the batch is not drained). */
    private Mono<Integer> drainBatch() {
        return tx.transactional(publishPending())
                .doOnNext(batch -> {
                    // counted once committed: a batch whose commit fails is published again on the next pass
                    if (batch.published() > 0) {
                        batches.increment();
                        published.increment(batch.published());
                    }
                })
                // a batch with a failed row ends the pass (0, as if short): its rows wait for the next pass
                .map(batch -> batch.published() < batch.selected() ? 0 : batch.published());
    }

    /** What one relay transaction read and published. */
    private record Batch(int selected, int published) {
        static final Batch EMPTY = new Batch(0, 0);
    }

    /**
     * The pending rows, if this instance holds the relay lock: the lock is an uncorrelated sub-select, which Postgres
     * evaluates once before the scan (a one-time filter), so taking it costs no round trip of its own; another
     * instance's pass reads nothing until its transaction ends.
     */
    private Mono<Batch> publishPending() {
        return db.sql("SELECT id, event_key, payload, traceparent FROM outbox_events WHERE published_at IS NULL "
                        + "AND (SELECT pg_try_advisory_xact_lock(:lock)) ORDER BY id LIMIT :limit")
                .bind("lock", RELAY_LOCK)
                .bind("limit", settings.batchSize())
                .map((row, meta) -> new Pending(row.get("id", Long.class), row.get("event_key", String.class),
                        row.get("payload", String.class), row.get("traceparent", String.class)))
                .all()
                .collectList()
                .flatMap(pending -> pending.isEmpty() ? Mono.just(Batch.EMPTY) : publishAndMark(pending));
    }

    private Mono<Batch> publishAndMark(List<Pending> pending) {
        return Flux.fromIterable(pending)
                .groupBy(Pending::key)
                .flatMap(this::publishInOrder)
                .collectList()
                .flatMap(ids -> (ids.isEmpty() ? Mono.<Void>empty() : markPublished(ids))
                        .thenReturn(new Batch(pending.size(), ids.size())));
    }

    /** One call's events in id order; stops at the first failure so that nothing overtakes it. */
    private Flux<Long> publishInOrder(Flux<Pending> call) {
        return call.concatMap(row -> publish(row).thenReturn(row.id()))
                .onErrorResume(e -> {
                    log.warn("outbox: publishing a call event failed, will retry: {}", e.toString());
                    return Mono.empty();
                });
    }

    private Mono<Void> publish(Pending row) {
        return EventCodec.decode(row.payload())
                .map(envelope -> TraceContinuation.continuing(observations, "outbox publish", row.traceparent(),
                        publisher.publish(envelope)))
                .orElseGet(() -> {
            log.error("outbox row {} holds an event type this version cannot decode; marking it published", row.id());
            return Mono.empty();
        });
    }

    private Mono<Void> markPublished(List<Long> ids) {
        return db.sql("UPDATE outbox_events SET published_at = now() WHERE id = ANY(:ids)")
                .bind("ids", ids.toArray(Long[]::new))
                .then();
    }

    /** Published rows are purged at most once an interval, not on every pass (passes follow every write). */
    private Mono<Void> purgeIfDue() {
        long now = System.nanoTime();
        if (now - lastPurge < settings.interval().toNanos()) {
            return Mono.empty();
        }
        lastPurge = now;
        return db.sql("DELETE FROM outbox_events WHERE published_at < now() - make_interval(secs => :seconds)")
                .bind("seconds", (double) settings.retention().toSeconds())
                .then();
    }

    private record Pending(long id, String key, String payload, String traceparent) {
    }
}
