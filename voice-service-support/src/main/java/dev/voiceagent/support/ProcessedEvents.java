package dev.voiceagent.support;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * Idempotent consumption: records (consumer, event id) in the service's {@code processed_events} table in the
 * same transaction as the effect, so a redelivered event has no second effect. Every service's first migration
 * creates the table.
 */
public class ProcessedEvents {

    private final DatabaseClient db;
    private final TransactionalOperator tx;

    public ProcessedEvents(DatabaseClient db, TransactionalOperator tx) {
        this.db = db;
        this.tx = tx;
    }

    /** Runs {@code effect} once per (consumer, eventId); a repeat completes empty without running it. */
    public <T> Mono<T> once(String consumer, String eventId, Mono<T> effect) {
        Mono<T> guarded = db.sql("INSERT INTO processed_events (consumer, event_id) VALUES (:consumer, :eventId) "
                        + "ON CONFLICT DO NOTHING")
                .bind("consumer", consumer)
                .bind("eventId", eventId)
                .fetch().rowsUpdated()
                .flatMap(inserted -> inserted > 0 ? effect : Mono.empty());
        return tx.transactional(guarded);
    }
}
