package dev.voiceagent.callbacks.webhook;

import io.r2dbc.spi.Readable;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The webhook outbox: one row per event id (so an event is queued once), delivered with retries; {@code dead} rows
 * are the dead-letter record of events that never got through, {@code skipped} ones had nowhere to go. A pending
 * row is in flight while its lease ({@code leased_until}) lies ahead; results are recorded only by the lease that
 * holds the row ({@code lease_token}).
 */
@Repository
public class WebhookEventRepository {

    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String DEAD = "dead";
    public static final String SKIPPED = "skipped";
    private static final String UNLEASED = "leased_until = NULL, lease_token = NULL";

    private final DatabaseClient db;

    public WebhookEventRepository(DatabaseClient db) {
        this.db = db;
    }

    /** Queues an event unless its id is already queued; answers whether it was queued. */
    public Mono<Boolean> enqueue(WebhookEvent e) {
        GenericExecuteSpec spec = db.sql("INSERT INTO webhook_events (event_id, tenant_id, type, task_id, call_sid, "
                        + "payload, status) VALUES (:id, :tenant, :type, :task, :callSid, :payload, 'pending') "
                        + "ON CONFLICT DO NOTHING")
                .bind("id", e.eventId()).bind("tenant", e.tenantId()).bind("type", e.type())
                .bind("payload", e.payload());
        spec = e.taskId() == null ? spec.bindNull("task", String.class) : spec.bind("task", e.taskId());
        spec = e.callSid() == null ? spec.bindNull("callSid", String.class) : spec.bind("callSid", e.callSid());
        return spec.fetch().rowsUpdated().map(rows -> rows > 0);
    }

    /**
     * Tenants with due events and none in flight, the longest waiting first: the ones a delivery pass can start a
     * lane for.
     */
    public Flux<String> dueTenants(int limit) {
        return db.sql("SELECT tenant_id FROM webhook_events WHERE status = 'pending' AND next_attempt_at <= now() "
                        + "GROUP BY tenant_id HAVING NOT COALESCE(bool_or(leased_until > now()), false) "
                        + "ORDER BY min(next_attempt_at) LIMIT :limit")
                .bind("limit", limit)
                .map(row -> row.get("tenant_id", String.class)).all();
    }

    /**
     * Leases the tenant's next due events, oldest first, unless one of its events is still in flight: so a tenant's
     * events go out one at a time, in the order they were raised (a retried event may still come later), whichever
     * sender — this instance or another — holds them. Call it in a transaction: the tenant's advisory lock, held to
     * its end, makes concurrent leases for one tenant take turns, and the later one sees the earlier one's lease.
     */
    public Mono<List<WebhookEvent>> lease(String tenantId, int limit, Duration lease, String token) {
        Mono<Void> lock = db.sql("SELECT pg_advisory_xact_lock(hashtext(:key))")
                .bind("key", "webhook-lease/" + tenantId).then();
        Mono<List<WebhookEvent>> leased = db.sql("WITH leased AS (UPDATE webhook_events SET "
                        + "leased_until = now() + CAST(:lease AS interval), lease_token = :token WHERE event_id IN ("
                        + "SELECT event_id FROM webhook_events WHERE tenant_id = :tenant AND status = 'pending' "
                        + "AND next_attempt_at <= now() AND NOT EXISTS (SELECT 1 FROM webhook_events f "
                        + "WHERE f.tenant_id = :tenant AND f.status = 'pending' AND f.leased_until > now()) "
                        + "ORDER BY created_at, event_id LIMIT :limit FOR UPDATE) "
                        + "RETURNING event_id, tenant_id, type, task_id, call_sid, payload, attempts, created_at) "
                        + "SELECT * FROM leased ORDER BY created_at, event_id")
                .bind("lease", lease.toMillis() + " milliseconds").bind("token", token).bind("tenant", tenantId)
                .bind("limit", limit)
                .map(row -> new WebhookEvent(row.get("event_id", String.class), row.get("tenant_id", String.class),
                        row.get("type", String.class), row.get("task_id", String.class),
                        row.get("call_sid", String.class), row.get("payload", String.class),
                        row.get("attempts", Integer.class)))
                .all().collectList();
        return lock.then(leased);
    }

    /** The event got through; nothing changes if the lease {@code token} has run out and another sender took it. */
    public Mono<Boolean> delivered(String eventId, String token) {
        return fenced(db.sql("UPDATE webhook_events SET status = 'delivered', attempts = attempts + 1, "
                + "delivered_at = now(), last_error = NULL, " + UNLEASED + " WHERE event_id = :id "
                + "AND lease_token = :token"), eventId, token);
    }

    public Mono<Boolean> skipped(String eventId, String token, String reason) {
        return fenced(db.sql("UPDATE webhook_events SET status = 'skipped', last_error = :reason, " + UNLEASED
                + " WHERE event_id = :id AND lease_token = :token").bind("reason", reason), eventId, token);
    }

    /** A failed attempt: retried after {@code backoff}, or dead when it was the last one (fenced as above). */
    public Mono<Boolean> failed(String eventId, String token, String error, boolean dead, Duration backoff) {
        return fenced(db.sql("UPDATE webhook_events SET attempts = attempts + 1, last_error = :error, status = :status, "
                        + "next_attempt_at = now() + CAST(:backoff AS interval), " + UNLEASED
                        + " WHERE event_id = :id AND lease_token = :token")
                .bind("error", error).bind("status", dead ? DEAD : PENDING)
                .bind("backoff", backoff.toMillis() + " milliseconds"), eventId, token);
    }

    /** Gives back what is left of a lease (events not attempted), due again at once and counted as no attempt. */
    public Mono<Void> release(String token) {
        return db.sql("UPDATE webhook_events SET " + UNLEASED + " WHERE lease_token = :token")
                .bind("token", token).then();
    }

    private static Mono<Boolean> fenced(GenericExecuteSpec spec, String eventId, String token) {
        return spec.bind("id", eventId).bind("token", token).fetch().rowsUpdated().map(rows -> rows > 0);
    }

    /** The tenant's events, newest first, optionally of one status and one type. */
    public Flux<Delivery> list(String tenantId, String status, String type, int limit, int offset) {
        String where = " WHERE tenant_id = :tenant" + (status == null ? "" : " AND status = :status")
                + (type == null ? "" : " AND type = :type");
        GenericExecuteSpec spec = db.sql("SELECT * FROM webhook_events" + where
                        + " ORDER BY created_at DESC, event_id LIMIT :limit OFFSET :offset")
                .bind("tenant", tenantId).bind("limit", limit).bind("offset", offset);
        spec = status == null ? spec : spec.bind("status", status);
        spec = type == null ? spec : spec.bind("type", type);
        return spec.map(WebhookEventRepository::toDelivery).all();
    }

    public Mono<Delivery> find(String tenantId, String eventId) {
        return db.sql("SELECT * FROM webhook_events WHERE tenant_id = :tenant AND event_id = :id")
                .bind("tenant", tenantId).bind("id", eventId)
                .map(WebhookEventRepository::toDelivery).one();
    }

    /** A dead, skipped or delivered event queued again with fresh attempts; empty when it is already pending. */
    public Mono<Long> redeliver(String tenantId, String eventId) {
        return db.sql("UPDATE webhook_events SET status = 'pending', attempts = 0, next_attempt_at = now(), "
                        + "last_error = NULL, " + UNLEASED + " WHERE tenant_id = :tenant AND event_id = :id "
                        + "AND status <> 'pending'")
                .bind("tenant", tenantId).bind("id", eventId)
                .fetch().rowsUpdated();
    }

    /** An event with its delivery state, as the tenant's API shows it. */
    public record Delivery(String eventId, String type, String taskId, String callSid, String status, int attempts,
                           String lastError, Instant createdAt, Instant nextAttemptAt, Instant deliveredAt,
                           String payload) {
    }

    private static Delivery toDelivery(Readable row) {
        return new Delivery(row.get("event_id", String.class), row.get("type", String.class),
                row.get("task_id", String.class), row.get("call_sid", String.class), row.get("status", String.class),
                row.get("attempts", Integer.class), row.get("last_error", String.class), instant(row, "created_at"),
                instant(row, "next_attempt_at"), instant(row, "delivered_at"), row.get("payload", String.class));
    }

    private static Instant instant(Readable row, String column) {
        OffsetDateTime value = row.get(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
