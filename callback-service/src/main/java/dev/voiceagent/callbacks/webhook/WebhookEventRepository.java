package dev.voiceagent.callbacks.webhook;

import io.r2dbc.spi.Readable;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The webhook outbox: one row per event id (so an event is queued once), delivered with retries; {@code dead} rows
 * are the dead-letter record of events that never got through, {@code skipped} ones had nowhere to go.
 */
@Repository
public class WebhookEventRepository {

    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String DEAD = "dead";
    public static final String SKIPPED = "skipped";

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
     * Takes due pending events, leasing them so that another sweep (or instance) does not send them too; in the
     * order they were raised, so a receiver sees first attempts in order (a retried event may still come later).
     */
    public Flux<WebhookEvent> leaseDue(int limit, Duration lease) {
        return db.sql("WITH leased AS (UPDATE webhook_events SET next_attempt_at = now() + CAST(:lease AS interval) "
                        + "WHERE event_id IN (SELECT event_id FROM webhook_events WHERE status = 'pending' "
                        + "AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED) "
                        + "RETURNING event_id, tenant_id, type, task_id, call_sid, payload, attempts, created_at) "
                        + "SELECT * FROM leased ORDER BY created_at, event_id")
                .bind("lease", lease.toMillis() + " milliseconds").bind("limit", limit)
                .map(row -> new WebhookEvent(row.get("event_id", String.class), row.get("tenant_id", String.class),
                        row.get("type", String.class), row.get("task_id", String.class),
                        row.get("call_sid", String.class), row.get("payload", String.class),
                        row.get("attempts", Integer.class)))
                .all();
    }

    public Mono<Void> delivered(String eventId) {
        return db.sql("UPDATE webhook_events SET status = 'delivered', attempts = attempts + 1, delivered_at = now(), "
                        + "last_error = NULL WHERE event_id = :id").bind("id", eventId).then();
    }

    public Mono<Void> skipped(String eventId, String reason) {
        return db.sql("UPDATE webhook_events SET status = 'skipped', last_error = :reason WHERE event_id = :id")
                .bind("id", eventId).bind("reason", reason).then();
    }

    /** A failed attempt: retried after {@code backoff}, or dead when it was the last one. */
    public Mono<Void> failed(String eventId, String error, boolean dead, Duration backoff) {
        return db.sql("UPDATE webhook_events SET attempts = attempts + 1, last_error = :error, status = :status, "
                        + "next_attempt_at = now() + CAST(:backoff AS interval) WHERE event_id = :id")
                .bind("id", eventId).bind("error", error).bind("status", dead ? DEAD : PENDING)
                .bind("backoff", backoff.toMillis() + " milliseconds").then();
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
                        + "last_error = NULL WHERE tenant_id = :tenant AND event_id = :id AND status <> 'pending'")
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
