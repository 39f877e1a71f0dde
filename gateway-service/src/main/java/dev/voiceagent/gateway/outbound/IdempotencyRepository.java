package dev.voiceagent.gateway.outbound;

import java.time.Duration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;

/** The {@code make_call_requests} table: one row per (tenant, Idempotency-Key), holding the first answer. */
@Repository
public class IdempotencyRepository {

    private final DatabaseClient db;

    public IdempotencyRepository(DatabaseClient db) {
        this.db = db;
    }

    /** The stored answer of a key whose first request got no clear answer from Twilio: the call may or may not exist. */
    public static final String AMBIGUOUS = "{\"ambiguous\":true}";

    /** A key's stored state: the request hash and the answer (null while the first request is in flight). */
    public record Entry(String requestHash, String response) {
    }

    /** Claims the key for this request; emits true when claimed, false when another request holds it. */
    public Mono<Boolean> claim(String tenantId, String key, String requestHash, Duration retention) {
        Mono<Long> expire = db.sql("DELETE FROM make_call_requests WHERE tenant_id = :tenant AND idempotency_key = :key "
                        + "AND created_at < now() - make_interval(secs => :seconds)")
                .bind("tenant", tenantId)
                .bind("key", key)
                .bind("seconds", (double) retention.toSeconds())
                .fetch().rowsUpdated();
        Mono<Boolean> insert = db.sql("INSERT INTO make_call_requests (tenant_id, idempotency_key, request_hash) "
                        + "VALUES (:tenant, :key, :hash) ON CONFLICT DO NOTHING")
                .bind("tenant", tenantId)
                .bind("key", key)
                .bind("hash", requestHash)
                .fetch().rowsUpdated()
                .map(rows -> rows > 0);
        return expire.then(insert);
    }

    public Mono<Entry> find(String tenantId, String key) {
        return db.sql("SELECT request_hash, response FROM make_call_requests WHERE tenant_id = :tenant "
                        + "AND idempotency_key = :key")
                .bind("tenant", tenantId)
                .bind("key", key)
                .map(row -> new Entry(row.get("request_hash", String.class), row.get("response", String.class)))
                .one();
    }

    public Mono<Void> complete(String tenantId, String key, String callSid, String response) {
        return db.sql("UPDATE make_call_requests SET call_sid = :sid, response = :response "
                        + "WHERE tenant_id = :tenant AND idempotency_key = :key")
                .bind("tenant", tenantId)
                .bind("key", key)
                .bind("sid", callSid)
                .bind("response", response)
                .then();
    }

    /** Holds a key whose request may have placed the call (no clear answer from Twilio): it is never reused. */
    public Mono<Void> markAmbiguous(String tenantId, String key) {
        return db.sql("UPDATE make_call_requests SET response = :response "
                        + "WHERE tenant_id = :tenant AND idempotency_key = :key AND response IS NULL")
                .bind("tenant", tenantId)
                .bind("key", key)
                .bind("response", AMBIGUOUS)
                .then();
    }

    /** Frees a key whose request failed, so that a retry can try again. */
    public Mono<Void> release(String tenantId, String key) {
        return db.sql("DELETE FROM make_call_requests WHERE tenant_id = :tenant AND idempotency_key = :key "
                        + "AND response IS NULL")
                .bind("tenant", tenantId)
                .bind("key", key)
                .then();
    }
}
