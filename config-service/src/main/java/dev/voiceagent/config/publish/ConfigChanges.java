package dev.voiceagent.config.publish;

import dev.voiceagent.config.audit.AuditLog;
import dev.voiceagent.config.support.ConfigProperties;
import java.util.Optional;
import java.util.function.Function;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * The one way a tenant's configuration changes: the change, its audit entry, the tenant's revision bump and an
 * outbox row commit in one transaction, so the database and the published view cannot diverge (the relay
 * publishes every outbox row, retrying until Kafka takes it). Changes to one tenant are applied one at a time: each
 * transaction first takes the tenant's advisory lock, so what a change reads (the policy it replaces and keeps for
 * rollback, the next version number, the audit's "before") is what the change before it left. The caller gets its answer once the new view is on
 * the topic, or after {@code voice.config.publishing.await-on-write} at the latest.
 */
@Component
public class ConfigChanges {

    /** Who made a change and what it was, as the audit log records it. */
    public record Change(String tenantId, String actor, String action) {
    }

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final AuditLog audit;
    private final ConfigOutboxRelay relay;
    private final ConfigProperties properties;

    public ConfigChanges(DatabaseClient db, TransactionalOperator tx, AuditLog audit, ConfigOutboxRelay relay,
                         ConfigProperties properties) {
        this.db = db;
        this.tx = tx;
        this.audit = audit;
        this.relay = relay;
        this.properties = properties;
    }

    /** Applies a change whose result is also what the audit log keeps as "after". */
    public <T> Mono<T> apply(Change change, Mono<?> before, Mono<T> work) {
        return apply(change, before, work, result -> result);
    }

    /**
     * Applies a change; {@code auditAfter} picks what of the result the audit log keeps (never secrets).
     * {@code before} is read inside the transaction, ahead of the work.
     */
    public <T> Mono<T> apply(Change change, Mono<?> before, Mono<T> work, Function<T, Object> auditAfter) {
        Mono<T> transactional = lockTenant(change.tenantId()).then(before.map(Optional::<Object>of))
                .defaultIfEmpty(Optional.empty())
                .flatMap(previous -> work.flatMap(result -> audit
                        .record(change.tenantId(), change.actor(), change.action(), previous.orElse(null),
                                auditAfter.apply(result))
                        .then(bumpRevisionAndEnqueue(change.tenantId()))
                        .thenReturn(result)));
        return tx.transactional(transactional)
                .flatMap(result -> relay.awaitPublished(properties.publishing().awaitOnWrite()).thenReturn(result));
    }

    /**
     * Waits for the tenant's other changes to commit; held to the end of this transaction. An advisory lock rather
     * than the tenant row's: it also orders the change that creates the tenant.
     */
    private Mono<Void> lockTenant(String tenantId) {
        return db.sql("SELECT pg_advisory_xact_lock(hashtext(:key))").bind("key", "tenant-config/" + tenantId).then();
    }

    private Mono<Void> bumpRevisionAndEnqueue(String tenantId) {
        return db.sql("UPDATE tenants SET revision = revision + 1, updated_at = now() WHERE id = :tenant")
                .bind("tenant", tenantId)
                .then()
                .then(db.sql("INSERT INTO config_outbox (tenant_id) VALUES (:tenant)").bind("tenant", tenantId).then());
    }
}
