package dev.voiceagent.callbacks.reconcile;

import dev.voiceagent.contracts.CallEvents.CallCreated;
import java.time.Duration;
import java.time.Instant;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** What the call log and the session said about each call: caller, last status, whether an outcome came. */
@Repository
public class CallRecordRepository {

    private final DatabaseClient db;

    public CallRecordRepository(DatabaseClient db) {
        this.db = db;
    }

    public Mono<Void> created(String tenantId, String callSid, CallCreated created, String callerNumber) {
        GenericExecuteSpec spec = db.sql("INSERT INTO call_records (call_sid, tenant_id, caller_number, direction, "
                        + "from_number, to_number, agent_version_id) VALUES (:sid, :tenant, :caller, :direction, "
                        + ":from, :to, :version) ON CONFLICT (call_sid) DO UPDATE SET "
                        + "caller_number = COALESCE(call_records.caller_number, EXCLUDED.caller_number), "
                        + "direction = EXCLUDED.direction, from_number = EXCLUDED.from_number, "
                        + "to_number = EXCLUDED.to_number, agent_version_id = EXCLUDED.agent_version_id, updated_at = now()")
                .bind("sid", callSid).bind("tenant", tenantId);
        spec = nullable(spec, "caller", callerNumber);
        spec = nullable(spec, "direction", created.direction());
        spec = nullable(spec, "from", created.from());
        spec = nullable(spec, "to", created.to());
        return nullable(spec, "version", created.agentVersionId()).then();
    }

    /**
     * Applies a status from the call log if it moves the call forward: a higher rank, or the same rank reported later
     * (the gateway emits statuses in rank order, but this service may apply one call's events out of order, as its
     * listeners process the records of a poll concurrently). An earlier status applied late changes nothing.
     */
    public Mono<Void> status(String tenantId, String callSid, String status, Instant at, Integer durationSeconds) {
        GenericExecuteSpec spec = db.sql("INSERT INTO call_records (call_sid, tenant_id, status, status_rank, status_at, "
                        + "status_received_at, duration_seconds) VALUES (:sid, :tenant, :status, :rank, :at, now(), "
                        + ":duration) ON CONFLICT (call_sid) DO UPDATE SET status = EXCLUDED.status, "
                        + "status_rank = EXCLUDED.status_rank, status_at = EXCLUDED.status_at, status_received_at = now(), "
                        + "duration_seconds = COALESCE(EXCLUDED.duration_seconds, call_records.duration_seconds), "
                        // a row written before ranks were stored (no status_rank) may always be moved on
                        + "updated_at = now() WHERE (COALESCE(call_records.status_rank, -1), "
                        + "COALESCE(call_records.status_at, '-infinity')) < (EXCLUDED.status_rank, EXCLUDED.status_at)")
                .bind("sid", callSid).bind("tenant", tenantId).bind("status", status).bind("rank", (short) rank(status))
                .bind("at", at);
        return (durationSeconds == null ? spec.bindNull("duration", Integer.class)
                : spec.bind("duration", durationSeconds)).then();
    }

    /**
     * Twilio's statuses in their only order: queued &lt; initiated &lt; ringing &lt; in-progress &lt; a terminal one
     * (all terminal statuses share the top rank); a status this service does not know ranks with the first.
     */
    static int rank(String status) {
        return switch (status) {
            case "initiated" -> 1;
            case "ringing" -> 2;
            case "in-progress" -> 3;
            case "completed", "busy", "no-answer", "failed", "canceled" -> 4;
            default -> 0;
        };
    }

    /** What is known about a call so far. */
    public Mono<CallRecord> find(String tenantId, String callSid) {
        return db.sql("SELECT * FROM call_records WHERE call_sid = :sid AND tenant_id = :tenant")
                .bind("sid", callSid).bind("tenant", tenantId)
                .map(row -> new CallRecord(row.get("call_sid", String.class), row.get("tenant_id", String.class),
                        row.get("direction", String.class), row.get("from_number", String.class),
                        row.get("to_number", String.class), row.get("agent_version_id", String.class),
                        row.get("status", String.class), row.get("duration_seconds", Integer.class)))
                .one();
    }

    public Mono<Void> outcome(String tenantId, String callSid, String outcome) {
        return db.sql("INSERT INTO call_records (call_sid, tenant_id, outcome) VALUES (:sid, :tenant, :outcome) "
                        + "ON CONFLICT (call_sid) DO UPDATE SET outcome = EXCLUDED.outcome, updated_at = now()")
                .bind("sid", callSid).bind("tenant", tenantId).bind("outcome", outcome).then();
    }

    /** The call's status if the call log reported one. */
    public Mono<String> statusOf(String callSid) {
        return db.sql("SELECT status FROM call_records WHERE call_sid = :sid AND status IS NOT NULL")
                .bind("sid", callSid).map(row -> row.get("status", String.class)).one();
    }

    /**
     * Completed calls without an outcome, not yet reconciled, that this service learned of at least {@code grace}
     * ago: the grace runs from when the completion was applied here, not from the event's time, so completions
     * consumed late (after an outage, or ahead of a lagging outcomes consumer) still wait for their outcome.
     */
    public Flux<CompletedCall> completedWithoutOutcome(Duration grace) {
        // a row written by an instance of the previous version has no status_received_at: its last update stands in
        return db.sql("SELECT call_sid, tenant_id, caller_number FROM call_records WHERE status = 'completed' "
                        + "AND outcome IS NULL AND reconciled_at IS NULL "
                        + "AND COALESCE(status_received_at, updated_at) <= now() - CAST(:grace AS interval) "
                        + "ORDER BY COALESCE(status_received_at, updated_at) LIMIT 100")
                .bind("grace", grace.toMillis() + " milliseconds")
                .map(row -> new CompletedCall(row.get("call_sid", String.class), row.get("tenant_id", String.class),
                        row.get("caller_number", String.class)))
                .all();
    }

    /** Whether the call still has no outcome and is not reconciled: the check under the call's lock. */
    public Mono<Boolean> awaitingOutcome(String callSid) {
        return db.sql("SELECT outcome IS NULL AND reconciled_at IS NULL AS awaiting FROM call_records "
                        + "WHERE call_sid = :sid")
                .bind("sid", callSid).map(row -> Boolean.TRUE.equals(row.get("awaiting", Boolean.class))).one()
                .defaultIfEmpty(false);
    }

    public Mono<Void> reconciled(String callSid) {
        return db.sql("UPDATE call_records SET reconciled_at = now() WHERE call_sid = :sid").bind("sid", callSid).then();
    }

    /** A call as the call log described it; any field may still be unknown. */
    public record CallRecord(String callSid, String tenantId, String direction, String from, String to,
                             String agentVersionId, String status, Integer durationSeconds) {
    }

    private static GenericExecuteSpec nullable(GenericExecuteSpec spec, String name, String value) {
        return value == null ? spec.bindNull(name, String.class) : spec.bind(name, value);
    }

    /** A completed call whose session never reported an outcome. */
    public record CompletedCall(String callSid, String tenantId, String callerNumber) {
    }
}
