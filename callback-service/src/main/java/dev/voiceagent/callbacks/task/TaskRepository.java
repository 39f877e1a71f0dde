package dev.voiceagent.callbacks.task;

import io.r2dbc.spi.Readable;
import java.time.Instant;
import java.time.OffsetDateTime;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Callback tasks and their history; every state change is one conditional update. */
@Repository
public class TaskRepository {

    private final DatabaseClient db;

    public TaskRepository(DatabaseClient db) {
        this.db = db;
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

    public Mono<CallbackTask> find(String tenantId, String id) {
        return db.sql("SELECT * FROM callback_tasks WHERE id = :id AND tenant_id = :tenant")
                .bind("id", id).bind("tenant", tenantId)
                .map(TaskRepository::toTask).one();
    }

    public Flux<CallbackTask> list(String tenantId, String status, int limit, int offset) {
        String where = status == null ? "" : " AND status = :status";
        GenericExecuteSpec spec = db.sql("SELECT * FROM callback_tasks WHERE tenant_id = :tenant" + where
                        + " ORDER BY due_at, id LIMIT :limit OFFSET :offset")
                .bind("tenant", tenantId).bind("limit", limit).bind("offset", offset);
        if (status != null) {
            spec = spec.bind("status", status);
        }
        return spec.map(TaskRepository::toTask).all();
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
        GenericExecuteSpec spec = db.sql("INSERT INTO callback_task_history (task_id, action, actor, detail) "
                        + "VALUES (:task, :action, :actor, :detail)")
                .bind("task", taskId).bind("action", action);
        spec = nullable(spec, "actor", actor);
        return nullable(spec, "detail", detail).then();
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
                instant(row, "created_at"), instant(row, "updated_at"));
    }

    private static Instant instant(Readable row, String column) {
        OffsetDateTime value = row.get(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static GenericExecuteSpec nullable(GenericExecuteSpec spec, String name, String value) {
        return value == null ? spec.bindNull(name, String.class) : spec.bind(name, value);
    }
}
