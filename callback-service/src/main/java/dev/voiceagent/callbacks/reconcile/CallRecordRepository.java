package dev.voiceagent.callbacks.reconcile;

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

    public Mono<Void> created(String tenantId, String callSid, String callerNumber) {
        GenericExecuteSpec spec = db.sql("INSERT INTO call_records (call_sid, tenant_id, caller_number) "
                        + "VALUES (:sid, :tenant, :caller) ON CONFLICT (call_sid) DO UPDATE SET "
                        + "caller_number = COALESCE(call_records.caller_number, EXCLUDED.caller_number), updated_at = now()")
                .bind("sid", callSid).bind("tenant", tenantId);
        return (callerNumber == null ? spec.bindNull("caller", String.class) : spec.bind("caller", callerNumber)).then();
    }

    public Mono<Void> status(String tenantId, String callSid, String status, Instant at) {
        return db.sql("INSERT INTO call_records (call_sid, tenant_id, status, status_at) VALUES (:sid, :tenant, "
                        + ":status, :at) ON CONFLICT (call_sid) DO UPDATE SET status = EXCLUDED.status, "
                        + "status_at = EXCLUDED.status_at, updated_at = now()")
                .bind("sid", callSid).bind("tenant", tenantId).bind("status", status).bind("at", at).then();
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

    /** Completed calls without an outcome since before {@code cutoff}, not yet reconciled. */
    public Flux<CompletedCall> completedWithoutOutcome(Instant cutoff) {
        return db.sql("SELECT call_sid, tenant_id, caller_number FROM call_records WHERE status = 'completed' "
                        + "AND outcome IS NULL AND reconciled_at IS NULL AND status_at <= :cutoff "
                        + "ORDER BY status_at LIMIT 100")
                .bind("cutoff", cutoff)
                .map(row -> new CompletedCall(row.get("call_sid", String.class), row.get("tenant_id", String.class),
                        row.get("caller_number", String.class)))
                .all();
    }

    public Mono<Void> reconciled(String callSid) {
        return db.sql("UPDATE call_records SET reconciled_at = now() WHERE call_sid = :sid").bind("sid", callSid).then();
    }

    /** A completed call whose session never reported an outcome. */
    public record CompletedCall(String callSid, String tenantId, String callerNumber) {
    }
}
