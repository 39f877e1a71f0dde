package dev.voiceagent.gateway.calllog;

import dev.voiceagent.contracts.SessionOutcome;
import io.r2dbc.spi.Readable;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The {@code call_logs} table: inserts, ordered status updates, outcomes and tenant-scoped reads. */
@Repository
public class CallLogRepository {

    private static final String COLUMNS = "call_sid, tenant_id, direction, from_number, to_number, status, "
            + "duration_seconds, agent_key, agent_version_id, outcome, intent, escalation_reason, session_duration_ms, "
            + "greeting, created_at, updated_at, machine_detection, voicemail_policy, voicemail_message, answered_by";

    private final DatabaseClient db;

    public CallLogRepository(DatabaseClient db) {
        this.db = db;
    }

    /** Inserts the log unless one with that call SID exists; emits whether it was new. */
    public Mono<Boolean> insertIfAbsent(CallLog log) {
        CallStatus status = CallStatus.fromWire(log.status()).orElse(CallStatus.QUEUED);
        DatabaseClient.GenericExecuteSpec spec = db.sql("INSERT INTO call_logs (call_sid, tenant_id, direction, "
                        + "from_number, to_number, status, status_rank, agent_key, agent_version_id, greeting, "
                        + "machine_detection, voicemail_policy, voicemail_message) VALUES (:sid, "
                        + ":tenant, :direction, :from, :to, :status, :rank, :agentKey, :agentVersion, :greeting, "
                        + ":machineDetection, :voicemailPolicy, :voicemailMessage) "
                        + "ON CONFLICT (call_sid) DO NOTHING")
                .bind("sid", log.callSid())
                .bind("tenant", log.tenantId())
                .bind("direction", log.direction())
                .bind("from", log.from())
                .bind("to", log.to())
                .bind("status", status.wire())
                .bind("rank", (short) status.rank());
        spec = nullable(spec, "agentKey", log.agentKey());
        spec = nullable(spec, "agentVersion", log.agentVersionId());
        spec = nullable(spec, "greeting", log.greeting());
        MachineDetection amd = log.machineDetection();
        spec = nullable(spec, "machineDetection", amd == null ? null : amd.mode());
        spec = nullable(spec, "voicemailPolicy", amd == null ? null : amd.voicemailPolicy());
        spec = nullable(spec, "voicemailMessage", amd == null ? null : amd.voicemailMessage());
        return spec.fetch().rowsUpdated().map(rows -> rows > 0);
    }

    public Mono<CallLog> findByCallSid(String callSid) {
        return db.sql("SELECT " + COLUMNS + " FROM call_logs WHERE call_sid = :sid")
                .bind("sid", callSid)
                .map(CallLogRepository::toCallLog)
                .one();
    }

    public Mono<CallLog> findForTenant(String tenantId, String callSid) {
        if (callSid.indexOf('\u0000') >= 0) {
            // Postgres text cannot hold NUL and would fail the query (a 500); no call has such a SID
            return Mono.empty();
        }
        return db.sql("SELECT " + COLUMNS + " FROM call_logs WHERE call_sid = :sid AND tenant_id = :tenant")
                .bind("sid", callSid)
                .bind("tenant", tenantId)
                .map(CallLogRepository::toCallLog)
                .one();
    }

    /**
     * Moves the status forward only (rank strictly greater), in one statement so concurrent callbacks cannot
     * reorder it; emits the change, or nothing when the update was stale or repeated.
     */
    public Mono<StatusChange> advanceStatus(String callSid, CallStatus status, Integer durationSeconds) {
        DatabaseClient.GenericExecuteSpec spec = db.sql("WITH prev AS (SELECT call_sid, status FROM call_logs "
                        + "WHERE call_sid = :sid FOR UPDATE) "
                        + "UPDATE call_logs c SET status = :status, status_rank = :rank, "
                        + "duration_seconds = COALESCE(:duration, c.duration_seconds), updated_at = now() "
                        + "FROM prev WHERE c.call_sid = prev.call_sid AND c.status_rank < :rank "
                        + "RETURNING c.tenant_id, prev.status AS previous_status, c.duration_seconds")
                .bind("sid", callSid)
                .bind("status", status.wire())
                .bind("rank", (short) status.rank());
        spec = durationSeconds == null ? spec.bindNull("duration", Integer.class) : spec.bind("duration", durationSeconds);
        return spec.map(row -> new StatusChange(callSid, row.get("tenant_id", String.class), status.wire(),
                        row.get("previous_status", String.class), row.get("duration_seconds", Integer.class)))
                .one();
    }

    /** Records a duration reported by a repeated terminal callback, once. */
    public Mono<Long> fillDuration(String callSid, int durationSeconds) {
        return db.sql("UPDATE call_logs SET duration_seconds = :duration, updated_at = now() "
                        + "WHERE call_sid = :sid AND duration_seconds IS NULL")
                .bind("sid", callSid)
                .bind("duration", durationSeconds)
                .fetch().rowsUpdated();
    }

    /**
     * Records Twilio's {@code AnsweredBy}; a machine (or fax) makes the outcome {@code no_answer}. Emits the
     * updated log, empty for an unknown call.
     */
    public Mono<CallLog> recordAnsweredBy(String callSid, String answeredBy, boolean machine) {
        return db.sql("UPDATE call_logs SET answered_by = :answeredBy, "
                        + "outcome = CASE WHEN :machine THEN 'no_answer' ELSE outcome END, updated_at = now() "
                        + "WHERE call_sid = :sid RETURNING " + COLUMNS)
                .bind("sid", callSid)
                .bind("answeredBy", answeredBy)
                .bind("machine", machine)
                .map(CallLogRepository::toCallLog)
                .one();
    }

    /**
     * Stores a session outcome; emits the number of rows changed (0 when the call log is unknown). A call a
     * machine answered keeps {@code no_answer}: the session that talked to the voicemail did not reach a person.
     */
    /** Applies a session outcome to the tenant's call; 0 rows when the tenant has no such call. */
    public Mono<Long> applyOutcome(String tenantId, String callSid, SessionOutcome outcome) {
        DatabaseClient.GenericExecuteSpec spec = db.sql("UPDATE call_logs SET outcome = CASE WHEN outcome = "
                        + "'no_answer' AND (answered_by LIKE 'machine%' OR answered_by = 'fax') THEN outcome "
                        + "ELSE :outcome END, "
                        + "intent = COALESCE(:intent, intent), escalation_reason = COALESCE(:reason, escalation_reason), "
                        + "session_duration_ms = :durationMs, "
                        + "agent_version_id = COALESCE(agent_version_id, :agentVersion), updated_at = now() "
                        + "WHERE call_sid = :sid AND tenant_id = :tenant")
                .bind("sid", callSid)
                .bind("tenant", tenantId)
                .bind("outcome", outcome.outcome().wire())
                .bind("durationMs", outcome.durationMs());
        spec = nullable(spec, "intent", outcome.intent());
        spec = nullable(spec, "reason", outcome.escalationReason());
        spec = nullable(spec, "agentVersion", outcome.agentVersionId());
        return spec.fetch().rowsUpdated();
    }

    public Flux<CallLog> list(CallLogQuery query) {
        Filter filter = Filter.of(query);
        DatabaseClient.GenericExecuteSpec spec = db.sql("SELECT " + COLUMNS + " FROM call_logs WHERE "
                + filter.where() + " ORDER BY created_at DESC, call_sid LIMIT :limit OFFSET :offset");
        spec = filter.bind(spec).bind("limit", query.limit()).bind("offset", query.offset());
        return spec.map(CallLogRepository::toCallLog).all();
    }

    public Mono<Long> count(CallLogQuery query) {
        Filter filter = Filter.of(query);
        return filter.bind(db.sql("SELECT count(*) AS n FROM call_logs WHERE " + filter.where()))
                .map(row -> row.get("n", Long.class))
                .one();
    }

    private static DatabaseClient.GenericExecuteSpec nullable(DatabaseClient.GenericExecuteSpec spec, String name,
                                                              String value) {
        return value == null ? spec.bindNull(name, String.class) : spec.bind(name, value);
    }

    private static CallLog toCallLog(Readable row) {
        return new CallLog(row.get("call_sid", String.class), row.get("tenant_id", String.class),
                row.get("direction", String.class), row.get("from_number", String.class),
                row.get("to_number", String.class), row.get("status", String.class),
                row.get("duration_seconds", Integer.class), row.get("agent_key", String.class),
                row.get("agent_version_id", String.class), row.get("outcome", String.class),
                row.get("intent", String.class), row.get("escalation_reason", String.class),
                row.get("session_duration_ms", Long.class), row.get("greeting", String.class),
                instant(row, "created_at"), instant(row, "updated_at"), machineDetection(row),
                row.get("answered_by", String.class));
    }

    private static MachineDetection machineDetection(Readable row) {
        String mode = row.get("machine_detection", String.class);
        return mode == null ? null : new MachineDetection(mode, row.get("voicemail_policy", String.class),
                row.get("voicemail_message", String.class));
    }

    private static Instant instant(Readable row, String column) {
        OffsetDateTime time = row.get(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }

    /** The WHERE clause of a listing, built from fixed fragments; values are always bound, never concatenated. */
    private record Filter(List<String> clauses, List<Object[]> bindings) {

        static Filter of(CallLogQuery q) {
            Filter f = new Filter(new ArrayList<>(List.of("tenant_id = :tenant")), new ArrayList<>());
            f.bindings.add(new Object[] {"tenant", q.tenantId()});
            f.add(q.status(), "status = :status", "status");
            f.add(q.direction(), "direction = :direction", "direction");
            f.add(q.outcome(), "outcome = :outcome", "outcome");
            f.add(q.createdFrom() == null ? null : q.createdFrom().atOffset(java.time.ZoneOffset.UTC),
                    "created_at >= :createdFrom", "createdFrom");
            f.add(q.createdTo() == null ? null : q.createdTo().atOffset(java.time.ZoneOffset.UTC),
                    "created_at < :createdTo", "createdTo");
            return f;
        }

        private void add(Object value, String clause, String name) {
            if (value != null) {
                clauses.add(clause);
                bindings.add(new Object[] {name, value});
            }
        }

        String where() {
            return String.join(" AND ", clauses);
        }

        DatabaseClient.GenericExecuteSpec bind(DatabaseClient.GenericExecuteSpec spec) {
            DatabaseClient.GenericExecuteSpec bound = spec;
            for (Object[] binding : bindings) {
                bound = bound.bind((String) binding[0], binding[1]);
            }
            return bound;
        }
    }
}
