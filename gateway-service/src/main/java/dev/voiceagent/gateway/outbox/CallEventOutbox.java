package dev.voiceagent.gateway.outbox;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.VoiceEvent;
import dev.voiceagent.gateway.support.CallTraces;
import dev.voiceagent.support.EventPublisher;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * Writes call events to {@code outbox_events} inside the caller's transaction, so a call log change and the event
 * that announces it commit together; {@link OutboxRelay} publishes them afterwards.
 */
public class CallEventOutbox {

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final EventPublisher publisher;
    private final OutboxRelay relay;
    private final CallTraces traces;

    public CallEventOutbox(DatabaseClient db, TransactionalOperator tx, EventPublisher publisher, OutboxRelay relay,
                           CallTraces traces) {
        this.traces = traces;
        this.db = db;
        this.tx = tx;
        this.publisher = publisher;
        this.relay = relay;
    }

    /** The envelope an event will be published in, with this service as its source. */
    public <T extends VoiceEvent> EventEnvelope<T> envelope(String tenantId, String callSid, T event) {
        return EventEnvelope.of(publisher.source(), tenantId, callSid, event);
    }

    /** An {@code outbox_events} row: for statements that write the event themselves (see {@link #written}). */
    public record Row(String eventId, String key, String payload, String traceparent) {
    }

    /** The row of an event, in the trace of the current request. */
    public Row row(EventEnvelope<?> envelope) {
        return new Row(envelope.id(), envelope.key(), EventCodec.encode(envelope), traces.current());
    }

    /** Inserts the event; must run inside {@link #inTransaction}'s pipeline to share its transaction. */
    public Mono<Void> add(EventEnvelope<?> envelope) {
        Row row = row(envelope);
        var insert = db.sql("INSERT INTO outbox_events (event_id, event_key, payload, traceparent) "
                        + "VALUES (:id, :key, :payload, :traceparent)")
                .bind("id", row.eventId())
                .bind("key", row.key())
                .bind("payload", row.payload());
        return (row.traceparent() == null ? insert.bindNull("traceparent", String.class)
                : insert.bind("traceparent", row.traceparent())).then();
    }

    /** Runs {@code work} (the state change plus its {@link #add}s) in one transaction, then wakes the relay. */
    public <T> Mono<T> inTransaction(Mono<T> work) {
        return tx.transactional(work).doOnSuccess(result -> relay.wakeUp());
    }

    /** Tells the relay that a statement of its own committed outbox rows. */
    public void written() {
        relay.wakeUp();
    }
}
