package dev.voiceagent.config.publish;

import dev.voiceagent.support.BackgroundLoop;
import dev.voiceagent.config.support.ConfigProperties;
import dev.voiceagent.support.EventPublisher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Publishes the tenant views named in {@code config_outbox} to {@code voice.config.v1} and deletes the rows
 * that were published, in one transaction under a cluster-wide advisory lock (so two instances never publish
 * the same tenant out of order). Runs on start (after queueing every tenant: the topic is compacted, so a
 * republish is harmless and repairs anything lost), on every committed change, and on a timer as a safety net.
 * A managed lifecycle bean: its single loop is disposed on stop.
 *
 * <p>Each tenant of a batch is published on its own. A tenant whose view cannot be published (a view too large
 * for the topic, a stored row today's rules reject) does not hold up the others: its rows are parked with a
 * growing delay ({@code attempts}, {@code not_before}; up to {@link #MAX_BACKOFF}), logged and counted in
 * {@code voice_config_publish_failures_total}, and tried again after the delay or on its next change.
 */
@Component
public class ConfigOutboxRelay extends BackgroundLoop {

    private static final Logger log = LoggerFactory.getLogger(ConfigOutboxRelay.class);
    /** Advisory lock key shared by every config-service instance ("voicecfg"). */
    private static final long RELAY_LOCK = 0x766f696365636667L;
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final TenantViewAssembler views;
    private final EventPublisher publisher;
    private final ConfigProperties.Publishing settings;
    private final Counter failures;
    private final Sinks.Many<Sinks.Empty<Void>> requests = Sinks.many().multicast().onBackpressureBuffer(256, false);

    public ConfigOutboxRelay(DatabaseClient db, TransactionalOperator tx, TenantViewAssembler views,
                             EventPublisher publisher, ConfigProperties properties, MeterRegistry meters) {
        this.db = db;
        this.tx = tx;
        this.views = views;
        this.publisher = publisher;
        this.settings = properties.publishing();
        this.failures = Counter.builder("voice.config.publish.failures")
                .description("Tenant views that could not be published (parked and retried)").register(meters);
    }

    @Override
    protected Flux<?> loop() {
        Flux<Sinks.Empty<Void>> ticks = Flux.interval(settings.interval(), settings.interval())
                .onBackpressureDrop()
                .map(tick -> Sinks.<Void>empty());
        return queueAllTenants()
                .thenMany(Flux.merge(Flux.just(Sinks.<Void>empty()), requests.asFlux(), ticks))
                .concatMap(this::drainFor);
    }

    /**
     * Completes once a relay pass that started after this call has finished, or after {@code wait}. Never fails:
     * the change is committed and its outbox row will be published regardless.
     */
    public Mono<Void> awaitPublished(Duration wait) {
        Sinks.Empty<Void> done = Sinks.empty();
        Sinks.EmitResult result;
        synchronized (requests) {
            result = requests.tryEmitNext(done);
        }
        if (result.isFailure()) {
            return Mono.empty();
        }
        // the edge where a slow broker stops mattering to the admin caller; the outbox keeps the change
        return done.asMono().timeout(wait).onErrorResume(e -> Mono.empty());
    }

    private Mono<Void> drainFor(Sinks.Empty<Void> done) {
        return drainAll()
                .doOnError(e -> log.warn("config relay pass failed, retrying on the next pass: {}", e.toString()))
                .onErrorResume(e -> Mono.empty())
                .doFinally(signal -> done.tryEmitEmpty());
    }

    private Mono<Void> queueAllTenants() {
        return db.sql("INSERT INTO config_outbox (tenant_id) SELECT id FROM tenants").fetch().rowsUpdated()
                .doOnNext(count -> log.info("republishing {} tenant view(s) on start", count))
                .doOnError(e -> log.warn("could not queue the startup republish: {}", e.toString()))
                .onErrorResume(e -> Mono.empty())
                .then();
    }

    private Mono<Void> drainAll() {
        return drainBatch()
                .expand(published -> published >= settings.batchSize() ? drainBatch() : Mono.empty())
                .then();
    }

    /** One transaction: take the lock (or skip: another instance is draining), publish, delete what was sent. */
    private Mono<Integer> drainBatch() {
        Mono<Integer> batch = db.sql("SELECT pg_try_advisory_xact_lock(:lock) AS locked")
                .bind("lock", RELAY_LOCK)
                .map((row, meta) -> Boolean.TRUE.equals(row.get("locked", Boolean.class)))
                .one()
                .flatMap(locked -> locked ? publishPending() : Mono.just(0));
        return tx.transactional(batch);
    }

    private Mono<Integer> publishPending() {
        return db.sql("SELECT id, tenant_id FROM config_outbox WHERE not_before IS NULL OR not_before <= now() "
                        + "ORDER BY id LIMIT :limit")
                .bind("limit", settings.batchSize())
                .map((row, meta) -> new Pending(row.get("id", Long.class), row.get("tenant_id", String.class)))
                .all()
                .collectList()
                .flatMap(pending -> pending.isEmpty() ? Mono.just(0) : publishEach(pending));
    }

    /**
     * Each tenant once (its latest view covers all its rows up to the newest in the batch), in order of change.
     * When some tenants fail and others go through, the failing ones are parked. When none goes through the cause
     * is most likely shared (the broker): the pass fails and the whole batch is tried again on the next one.
     */
    private Mono<Integer> publishEach(List<Pending> pending) {
        Map<String, Long> newestRow = new LinkedHashMap<>();
        pending.forEach(p -> newestRow.merge(p.tenantId(), p.id(), Math::max));
        List<Failed> failed = new ArrayList<>();
        return Flux.fromIterable(newestRow.entrySet())
                .concatMap(tenant -> publishTenant(tenant.getKey())
                        .then(db.sql("DELETE FROM config_outbox WHERE tenant_id = :tenant AND id <= :upTo")
                                .bind("tenant", tenant.getKey()).bind("upTo", tenant.getValue()).then())
                        .thenReturn(true)
                        .onErrorResume(e -> {
                            failed.add(new Failed(tenant.getKey(), tenant.getValue(), e));
                            return Mono.just(false);
                        }))
                .filter(published -> published)
                .count()
                .flatMap(published -> {
                    if (failed.isEmpty()) {
                        return Mono.just(pending.size());
                    }
                    if (published == 0) {
                        return Mono.error(failed.get(0).cause());
                    }
                    return Flux.fromIterable(failed).concatMap(this::park).then(Mono.just(pending.size()));
                });
    }

    private Mono<Void> publishTenant(String tenantId) {
        return views.view(tenantId)
                .flatMap(view -> publisher.publish(tenantId, null, view)
                        // KafkaTemplate#send may block on metadata: keep it off the database's event loop
                        .subscribeOn(Schedulers.boundedElastic())
                        .doOnNext(envelope -> log.debug("published tenant {} revision {}", tenantId, view.revision())))
                .then();
    }

    /** The tenant's rows wait {@code interval × 2^attempts} (at most {@link #MAX_BACKOFF}); the others go on. */
    private Mono<Void> park(Failed failure) {
        failures.increment();
        return db.sql("UPDATE config_outbox SET attempts = attempts + 1, not_before = now() + "
                        + "make_interval(secs => LEAST(:base * power(2, LEAST(attempts + 1, 20)), :max)) "
                        + "WHERE tenant_id = :tenant AND id <= :upTo RETURNING attempts")
                .bind("base", settings.interval().toMillis() / 1000.0)
                .bind("max", (double) MAX_BACKOFF.toSeconds())
                .bind("tenant", failure.tenantId()).bind("upTo", failure.upTo())
                .map((row, meta) -> row.get("attempts", Integer.class))
                .all()
                .reduce(0, Math::max)
                .doOnNext(attempts -> log.warn("could not publish tenant {}'s view (attempt {}), retrying later; the "
                        + "other tenants go on: {}", failure.tenantId(), attempts, failure.cause().toString()))
                .then();
    }

    private record Pending(long id, String tenantId) {
    }

    private record Failed(String tenantId, long upTo, Throwable cause) {
    }
}
