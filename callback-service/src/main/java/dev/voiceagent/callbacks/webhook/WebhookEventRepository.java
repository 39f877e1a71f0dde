package dev.voiceagent.callbacks.notify;

import java.time.Duration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The notification outbox: one row per task and kind (so a notification is raised once), delivered with
 * retries; {@code dead} rows are the dead-letter record of notifications that never got through.
 */
@Repository
public class NotificationRepository {

    private final DatabaseClient db;

    public NotificationRepository(DatabaseClient db) {
        this.db = db;
    }

    /** Queues a notification unless the task already has one of this kind; answers whether it was queued. */
    public Mono<Boolean> enqueue(Notification n) {
        return db.sql("INSERT INTO notifications (event_id, tenant_id, task_id, kind, payload, status) "
                        + "VALUES (:id, :tenant, :task, :kind, :payload, 'pending') ON CONFLICT DO NOTHING")
                .bind("id", n.eventId()).bind("tenant", n.tenantId()).bind("task", n.taskId())
                .bind("kind", n.kind()).bind("payload", n.payload())
                .fetch().rowsUpdated().map(rows -> rows > 0);
    }

    /** Takes due pending notifications, leasing them so that another sweep (or instance) does not send them too. */
    public Flux<Notification> leaseDue(int limit, Duration lease) {
        return db.sql("UPDATE notifications SET next_attempt_at = now() + CAST(:lease AS interval) WHERE event_id IN "
                        + "(SELECT event_id FROM notifications WHERE status = 'pending' AND next_attempt_at <= now() "
                        + "ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED) "
                        + "RETURNING event_id, tenant_id, task_id, kind, payload, attempts")
                .bind("lease", lease.toMillis() + " milliseconds").bind("limit", limit)
                .map(row -> new Notification(row.get("event_id", String.class), row.get("tenant_id", String.class),
                        row.get("task_id", String.class), row.get("kind", String.class),
                        row.get("payload", String.class), row.get("attempts", Integer.class)))
                .all();
    }

    public Mono<Void> delivered(String eventId) {
        return db.sql("UPDATE notifications SET status = 'delivered', attempts = attempts + 1, delivered_at = now(), "
                        + "last_error = NULL WHERE event_id = :id").bind("id", eventId).then();
    }

    public Mono<Void> skipped(String eventId, String reason) {
        return db.sql("UPDATE notifications SET status = 'skipped', last_error = :reason WHERE event_id = :id")
                .bind("id", eventId).bind("reason", reason).then();
    }

    /** A failed attempt: retried after {@code backoff}, or dead when it was the last one. */
    public Mono<Void> failed(String eventId, String error, boolean dead, Duration backoff) {
        return db.sql("UPDATE notifications SET attempts = attempts + 1, last_error = :error, status = :status, "
                        + "next_attempt_at = now() + CAST(:backoff AS interval) WHERE event_id = :id")
                .bind("id", eventId).bind("error", error).bind("status", dead ? "dead" : "pending")
                .bind("backoff", backoff.toMillis() + " milliseconds").then();
    }
}
