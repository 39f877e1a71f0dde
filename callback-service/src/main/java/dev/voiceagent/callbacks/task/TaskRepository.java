package dev.voiceagent.callbacks.task;

import io.r2dbc.spi.Readable;
import java.time.Instant;
import java.time.OffsetDateTime;
import dev.voiceagent.callbacks.sla.SlaState;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Callback tasks and their history; every state change is one conditional update. */
@Repository
public class TaskRepository {

    /** An active task reconciliation opened for want of an outcome, not since filled in by a callback request. */
    private static final String UNKNOWN_OUTCOME_TASK = "source = 'reconciliation' AND callback_id IS NULL "
            + "AND status IN ('open', 'claimed')";

    private final DatabaseClient db;
    private final String windowSql;

    public TaskRepository(DatabaseClient db, SlaPolicy sla) {
        this.db = db;
        this.windowSql = sla.windowSql();
    }

    /** Serialises task creation for one call within the current transaction. */
    public Mono<Void> lockCall(String tenantId, String callSid) {
        return db.sql("SELECT pg_advisory_xact_lock(hashtext(:key))")
                .bind("key", tenantId + "/" + (callSid == null ? "-" : callSid))
                .then();
    }

    public Mono<CallbackTask> findByCallbackId(String callbackId) {
        return db.sql("SELECT * FROM callback_tasks WHERE callback_id = :cb").bind("cb", callbackId)
                .map(TaskRepository::toTask).one();
    }

    /** Any task of the call, the oldest first. */
    public Flux<CallbackTask> findByCall(String tenantId, String callSid) {
        return db.sql("SELECT * FROM callback_tasks WHERE tenant_id = :tenant AND call_sid = :callSid "
                        + "ORDER BY created_at")
                .bind("tenant", tenantId).bind("callSid", callSid)
                .map(TaskRepository::toTask).all();
    }

    /**
     * Whether the call has any task. An answer from SQL rather than the first row of {@link #findByCall}: a row
     * stream cancelled before its end can leave the pooled connection waiting for the rest of it, and the next
     * query on that connection never completes.
     */
    public Mono<Boolean> existsForCall(String tenantId, String callSid) {
        return db.sql("SELECT EXISTS (SELECT 1 FROM callback_tasks WHERE tenant_id = :tenant AND call_sid = :callSid) "
                        + "AS found")
                .bind("tenant", tenantId).bind("callSid", callSid)
                .map(row -> Boolean.TRUE.equals(row.get("found", Boolean.class))).one();
    }

    /** Any tenant's task: for work that starts from a task id the service produced itself. */
    public Mono<CallbackTask> findById(String id) {
        return db.sql("SELECT * FROM callback_tasks WHERE id = :id").bind("id", id)
                .map(TaskRepository::toTask).one();
    }

    public Mono<CallbackTask> find(String tenantId, String id) {
        return db.sql("SELECT * FROM callback_tasks WHERE id = :id AND tenant_id = :tenant")
                .bind("id", id).bind("tenant", tenantId)
                .map(TaskRepository::toTask).one();
    }

    /**
     * The tenant's tasks by due time, optionally of one status, one SLA state ({@code on_track|at_risk|breached};
     * only active tasks have one) and one owner.
     */
    public Flux<CallbackTask> list(String tenantId, String status, SlaState sla, String owner, double atRiskShare,
                                   int limit, int offset) {
        StringBuilder where = new StringBuilder(" WHERE tenant_id = :tenant");
        if (status != null) {
            where.append(" AND status = :status");
        }
        if (owner != null) {
            where.append(" AND owner = :owner");
        }
        if (sla != null) {
            where.append(" AND status IN ('open', 'claimed') AND ").append(slaCondition(sla));
        }
        GenericExecuteSpec spec = db.sql("SELECT * FROM callback_tasks" + where
                        + " ORDER BY due_at, id LIMIT :limit OFFSET :offset")
                .bind("tenant", tenantId).bind("limit", limit).bind("offset", offset);
        if (status != null) {
            spec = spec.bind("status", status);
        }
        if (owner != null) {
            spec = spec.bind("owner", owner);
        }
        if (sla != null && sla != SlaState.BREACHED) {
            spec = spec.bind("share", atRiskShare);
        }
        return spec.map(TaskRepository::toTask).all();
    }

    /** SQL for an SLA state, in step with {@link SlaState#of}: binds {@code :share} unless breached. */
    String slaCondition(SlaState sla) {
        String riskStarts = "due_at - " + windowSql + " * CAST(:share AS double precision)";
        return switch (sla) {
            case BREACHED -> "due_at <= now()";
            case AT_RISK -> "due_at > now() AND " + riskStarts + " <= now()";
            case ON_TRACK -> riskStarts + " > now()";
        };
    }

    /** Active tasks (of any tenant) in this SLA state with no webhook event of this type yet. */
    public Flux<CallbackTask> needingNotification(SlaState sla, String type, double atRiskShare) {
        GenericExecuteSpec spec = db.sql("SELECT * FROM callback_tasks t WHERE status IN ('open', 'claimed') AND "
                        + slaCondition(sla) + " AND NOT EXISTS (SELECT 1 FROM webhook_events e WHERE e.task_id = t.id "
                        + "AND e.type = :type) ORDER BY due_at LIMIT 200")
                .bind("type", type);
        if (sla != SlaState.BREACHED) {
            spec = spec.bind("share", atRiskShare);
        }
        return spec.map(TaskRepository::toTask).all();
    }

    /**
     * Active tasks of every tenant counted by status and SLA state (as {@link SlaState#of}); one grouped query for
     * the sweeper's gauges.
     */
    public Flux<SlaCount> countActiveBySla(double atRiskShare) {
        String riskStarts = "due_at - " + windowSql + " * CAST(:share AS double precision)";
        return db.sql("SELECT status, CASE WHEN due_at <= now() THEN 'breached' WHEN " + riskStarts
                        + " <= now() THEN 'at_risk' ELSE 'on_track' END AS sla, count(*) AS n FROM callback_tasks "
                        + "WHERE status IN ('open', 'claimed') GROUP BY 1, 2")
                .bind("share", atRiskShare)
                .map(row -> new SlaCount(row.get("status", String.class), row.get("sla", String.class),
                        row.get("n", Long.class)))
                .all();
    }

    /** How many active tasks of one status are in one SLA state (wire names). */
    public record SlaCount(String status, String slaState, long count) {
    }

    /** Open or claimed → cancelled; the number of rows changed says whether it happened. */
    public Mono<Long> cancel(String tenantId, String id) {
        return db.sql("UPDATE callback_tasks SET status = 'cancelled', updated_at = now() "
                        + "WHERE id = :id AND tenant_id = :tenant AND status IN ('open', 'claimed')")
                .bind("id", id).bind("tenant", tenantId).fetch().rowsUpdated();
    }

    /**
     * The call's active tasks that reconciliation opened for lack of an outcome (and no callback request has filled in
     * since) → cancelled; answers their ids.
     */
    public Flux<String> cancelReconciliationTasks(String tenantId, String callSid) {
        return db.sql("UPDATE callback_tasks SET status = 'cancelled', updated_at = now() WHERE tenant_id = :tenant "
                        + "AND call_sid = :callSid AND " + UNKNOWN_OUTCOME_TASK + " RETURNING id")
                .bind("tenant", tenantId).bind("callSid", callSid)
                .map(row -> row.get("id", String.class)).all();
    }

    /**
     * Gives the call's active {@code unknown_outcome} task what a late {@code callback_created} outcome says: its
     * reason, its source, and the earlier of the two due times; answers the task's id, empty if there is none.
     */
    public Mono<String> adoptReconciliationTask(CallbackTask fromOutcome) {
        GenericExecuteSpec spec = db.sql("UPDATE callback_tasks SET reason = :reason, source = :source, "
                        + "due_at = LEAST(due_at, :due), caller_number = COALESCE(caller_number, :caller), "
                        + "updated_at = now() WHERE tenant_id = :tenant AND call_sid = :callSid AND "
                        + UNKNOWN_OUTCOME_TASK + " RETURNING id")
                .bind("reason", fromOutcome.reason()).bind("source", fromOutcome.source())
                .bind("due", fromOutcome.dueAt()).bind("tenant", fromOutcome.tenantId())
                .bind("callSid", fromOutcome.callSid());
        return nullable(spec, "caller", fromOutcome.callerNumber())
                .map(row -> row.get("id", String.class)).all()
                .collectList().flatMap(ids -> ids.isEmpty() ? Mono.empty() : Mono.just(ids.get(0)));
    }

    /** Open or claimed → claimed by {@code owner}; answers the previous owner ("" when none), empty if not active. */
    public Mono<String> reassign(String tenantId, String id, String owner) {
        return db.sql("UPDATE callback_tasks t SET status = 'claimed', owner = :owner, updated_at = now() "
                        + "FROM (SELECT id, owner AS previous FROM callback_tasks WHERE id = :id AND tenant_id = :tenant "
                        + "FOR UPDATE) p WHERE t.id = p.id AND t.status IN ('open', 'claimed') "
                        + "RETURNING COALESCE(p.previous, '') AS previous")
                .bind("id", id).bind("tenant", tenantId).bind("owner", owner)
                .map(row -> row.get("previous", String.class)).one();
    }

    /** Expires active tasks due before {@code cutoff}; answers the expired task ids. */
    public Flux<String> expireDueBefore(Instant cutoff, boolean includeClaimed) {
        return db.sql("UPDATE callback_tasks SET status = 'expired', updated_at = now() WHERE due_at <= :cutoff AND "
                        + (includeClaimed ? "status IN ('open', 'claimed')" : "status = 'open'") + " RETURNING id")
                .bind("cutoff", cutoff)
                .map(row -> row.get("id", String.class)).all();
    }

    /** Flags the call's active, unflagged tasks; answers their ids. */
    public Flux<String> flagCall(String tenantId, String callSid, String flag) {
        return db.sql("UPDATE callback_tasks SET flag = :flag, updated_at = now() WHERE tenant_id = :tenant "
                        + "AND call_sid = :callSid AND status IN ('open', 'claimed') AND flag IS NULL RETURNING id")
                .bind("flag", flag).bind("tenant", tenantId).bind("callSid", callSid)
                .map(row -> row.get("id", String.class)).all();
    }

    public Mono<Void> insert(CallbackTask t) {
        GenericExecuteSpec spec = db.sql("INSERT INTO callback_tasks (id, callback_id, tenant_id, call_sid, "
                        + "caller_number, reason, priority, preferred_time, due_at, status, source) VALUES (:id, "
                        + ":cb, :tenant, :callSid, :caller, :reason, :priority, :preferred, :due, :status, :source)")
                .bind("id", t.id())
                .bind("tenant", t.tenantId())
                .bind("reason", t.reason())
                .bind("priority", t.priority())
                .bind("due", t.dueAt())
                .bind("status", t.status())
                .bind("source", t.source());
        spec = nullable(spec, "cb", t.callbackId());
        spec = nullable(spec, "callSid", t.callSid());
        spec = nullable(spec, "caller", t.callerNumber());
        spec = t.preferredTime() == null ? spec.bindNull("preferred", Instant.class) : spec.bind("preferred", t.preferredTime());
        return spec.then();
    }

    /** Gives a task opened from an outcome the details of the callback request that arrived after it. */
    public Mono<Long> adopt(String id, CallbackTask request) {
        GenericExecuteSpec spec = db.sql("UPDATE callback_tasks SET callback_id = :cb, reason = :reason, "
                        + "priority = :priority, preferred_time = :preferred, due_at = :due, "
                        + "caller_number = COALESCE(:caller, caller_number), updated_at = now() "
                        + "WHERE id = :id AND callback_id IS NULL")
                .bind("id", id)
                .bind("cb", request.callbackId())
                .bind("reason", request.reason())
                .bind("priority", request.priority())
                .bind("due", request.dueAt());
        spec = nullable(spec, "caller", request.callerNumber());
        spec = request.preferredTime() == null ? spec.bindNull("preferred", Instant.class)
                : spec.bind("preferred", request.preferredTime());
        return spec.fetch().rowsUpdated();
    }

    /** Open → claimed, only if still open; the number of rows changed says who won. */
    public Mono<Long> claim(String tenantId, String id, String owner) {
        return db.sql("UPDATE callback_tasks SET status = 'claimed', owner = :owner, updated_at = now() "
                        + "WHERE id = :id AND tenant_id = :tenant AND status = 'open'")
                .bind("id", id).bind("tenant", tenantId).bind("owner", owner)
                .fetch().rowsUpdated();
    }

    /** Open, or claimed by this owner → done. */
    public Mono<Long> complete(String tenantId, String id, String owner, String disposition) {
        GenericExecuteSpec spec = db.sql("UPDATE callback_tasks SET status = 'done', owner = :owner, "
                        + "disposition = :disposition, updated_at = now() WHERE id = :id AND tenant_id = :tenant "
                        + "AND (status = 'open' OR (status = 'claimed' AND owner = :owner))")
                .bind("id", id).bind("tenant", tenantId).bind("owner", owner);
        return nullable(spec, "disposition", disposition).fetch().rowsUpdated();
    }

    public Mono<Void> addHistory(String taskId, String action, String actor, String detail) {
        return appendHistory(taskId, action, actor, detail).then();
    }

    /** Adds a history entry; answers its id (unique, increasing). */
    public Mono<Long> appendHistory(String taskId, String action, String actor, String detail) {
        GenericExecuteSpec spec = db.sql("INSERT INTO callback_task_history (task_id, action, actor, detail) "
                        + "VALUES (:task, :action, :actor, :detail) RETURNING id")
                .bind("task", taskId).bind("action", action);
        spec = nullable(spec, "actor", actor);
        return nullable(spec, "detail", detail).map(row -> row.get("id", Long.class)).one();
    }

    public Flux<HistoryEntry> history(String taskId) {
        return db.sql("SELECT at, action, actor, detail FROM callback_task_history WHERE task_id = :task ORDER BY id")
                .bind("task", taskId)
                .map(row -> new HistoryEntry(instant(row, "at"), row.get("action", String.class),
                        row.get("actor", String.class), row.get("detail", String.class)))
                .all();
    }

    private static CallbackTask toTask(Readable row) {
        return new CallbackTask(row.get("id", String.class), row.get("callback_id", String.class),
                row.get("tenant_id", String.class), row.get("call_sid", String.class),
                row.get("caller_number", String.class), row.get("reason", String.class),
                row.get("priority", String.class), instant(row, "preferred_time"), instant(row, "due_at"),
                row.get("status", String.class), row.get("owner", String.class),
                row.get("disposition", String.class), row.get("source", String.class),
                instant(row, "created_at"), instant(row, "updated_at"), row.get("flag", String.class));
    }

    private static Instant instant(Readable row, String column) {
        OffsetDateTime value = row.get(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static GenericExecuteSpec nullable(GenericExecuteSpec spec, String name, String value) {
        return value == null ? spec.bindNull(name, String.class) : spec.bind(name, value);
    }
}
