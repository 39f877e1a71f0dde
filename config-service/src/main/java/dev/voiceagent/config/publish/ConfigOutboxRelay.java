package dev.voiceagent.config.publish;

import dev.voiceagent.support.BackgroundLoop;
import dev.voiceagent.config.support.ConfigProperties;
import dev.voiceagent.support.EventPublisher;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
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
 */
@Component
public class ConfigOutboxRelay extends BackgroundLoop {

    private static final Logger log = LoggerFactory.getLogger(ConfigOutboxRelay.class);
    /** Advisory lock key shared by every config-service instance ("voicecfg"). */
    private static final long RELAY_LOCK = 0x766f696365636667L;

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final TenantViewAssembler views;
    private final EventPublisher publisher;
    private final ConfigProperties.Publishing settings;
    private final Sinks.Many<Sinks.Empty<Void>> requests = Sinks.many().multicast().onBackpressureBuffer(256, false);

    public ConfigOutboxRelay(DatabaseClient db, TransactionalOperator tx, TenantViewAssembler views,
                             EventPublisher publisher, ConfigProperties properties) {
        this.db = db;
        this.tx = tx;
        this.views = views;
        this.publisher = publisher;
        this.settings = properties.publishing();
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
        return db.sql("SELECT id, tenant_id FROM config_outbox ORDER BY id LIMIT :limit")
                .bind("limit", settings.batchSize())
                .map((row, meta) -> new Pending(row.get("id", Long.class), row.get("tenant_id", String.class)))
                .all()
                .collectList()
                .flatMap(pending -> pending.isEmpty() ? Mono.just(0) : publishAndDelete(pending));
    }

    private Mono<Integer> publishAndDelete(List<Pending> pending) {
        LinkedHashSet<String> tenants = new LinkedHashSet<>();
        pending.forEach(p -> tenants.add(p.tenantId()));
        Long[] ids = pending.stream().map(Pending::id).toArray(Long[]::new);
        return Flux.fromIterable(tenants)
                .concatMap(this::publishTenant)
                .then(db.sql("DELETE FROM config_outbox WHERE id = ANY(:ids)").bind("ids", ids).then())
                .thenReturn(pending.size());
    }

    private Mono<Void> publishTenant(String tenantId) {
        return views.view(tenantId)
                .flatMap(view -> publisher.publish(tenantId, null, view)
                        // KafkaTemplate#send may block on metadata: keep it off the database's event loop
                        .subscribeOn(Schedulers.boundedElastic())
                        .doOnNext(envelope -> log.debug("published tenant {} revision {}", tenantId, view.revision())))
                .then();
    }

    private record Pending(long id, String tenantId) {
    }
}
