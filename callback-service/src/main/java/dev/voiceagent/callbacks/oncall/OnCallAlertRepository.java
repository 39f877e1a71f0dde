package dev.voiceagent.callbacks.oncall;

import java.time.Duration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * On-call SMS alerts, one per task and kind: {@code pending} until the request is on the tool request topic,
 * {@code requested} until the tool executor answers, then {@code sent} or {@code failed} with its answer.
 */
@Repository
public class OnCallAlertRepository {

    private final DatabaseClient db;

    public OnCallAlertRepository(DatabaseClient db) {
        this.db = db;
    }

    /** Queues the alert unless the task already has one of this kind; answers whether it was queued. */
    public Mono<Boolean> enqueue(OnCallAlert a) {
        DatabaseClient.GenericExecuteSpec spec = db.sql("INSERT INTO on_call_alerts (tool_call_id, tenant_id, task_id, call_sid, kind, to_number, body, "
                        + "status) VALUES (:id, :tenant, :task, :callSid, :kind, :to, :body, 'pending') "
                        + "ON CONFLICT DO NOTHING")
                .bind("id", a.toolCallId()).bind("tenant", a.tenantId()).bind("task", a.taskId())
                .bind("kind", a.kind()).bind("to", a.toNumber()).bind("body", a.body());
        return (a.callSid() == null ? spec.bindNull("callSid", String.class) : spec.bind("callSid", a.callSid()))
                .fetch().rowsUpdated().map(rows -> rows > 0);
    }

    /** Takes due pending alerts, leasing them so that another sweep (or instance) does not request them too. */
    public Flux<OnCallAlert> leaseDue(int limit, Duration lease) {
        return db.sql("UPDATE on_call_alerts SET next_attempt_at = now() + CAST(:lease AS interval) WHERE tool_call_id IN "
                        + "(SELECT tool_call_id FROM on_call_alerts WHERE status = 'pending' AND next_attempt_at <= now() "
                        + "ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED) "
                        + "RETURNING tool_call_id, tenant_id, task_id, call_sid, kind, to_number, body, attempts")
                .bind("lease", lease.toMillis() + " milliseconds").bind("limit", limit)
                .map(row -> new OnCallAlert(row.get("tool_call_id", String.class), row.get("tenant_id", String.class),
                        row.get("task_id", String.class), row.get("call_sid", String.class),
                        row.get("kind", String.class),
                        row.get("to_number", String.class), row.get("body", String.class),
                        row.get("attempts", Integer.class)))
                .all();
    }

    public Mono<Void> requested(String toolCallId) {
        return db.sql("UPDATE on_call_alerts SET status = 'requested', attempts = attempts + 1, requested_at = now(), "
                        + "result = NULL WHERE tool_call_id = :id AND status = 'pending'")
                .bind("id", toolCallId).then();
    }

    /** The request could not be published: it stays pending and is tried again after {@code retry}. */
    public Mono<Void> notRequested(String toolCallId, String error, Duration retry) {
        return db.sql("UPDATE on_call_alerts SET attempts = attempts + 1, result = :error, "
                        + "next_attempt_at = now() + CAST(:retry AS interval) WHERE tool_call_id = :id AND status = 'pending'")
                .bind("id", toolCallId).bind("error", error).bind("retry", retry.toMillis() + " milliseconds").then();
    }

    /** The executor's first answer (a resent answer changes nothing); answers the alert's task when it was new. */
    public Mono<String> answered(String toolCallId, boolean sent, String result) {
        return db.sql("UPDATE on_call_alerts SET status = :status, result = :result, answered_at = now() "
                        + "WHERE tool_call_id = :id AND status IN ('pending', 'requested') RETURNING task_id")
                .bind("id", toolCallId).bind("status", sent ? "sent" : "failed").bind("result", result)
                .map(row -> row.get("task_id", String.class)).one();
    }
}
