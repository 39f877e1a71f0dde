package dev.voiceagent.bridge.records;

import dev.voiceagent.bridge.session.VoiceSessionRecord;
import dev.voiceagent.contracts.EventCodec;
import io.r2dbc.spi.Readable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;

/** The {@code bridge.voice_sessions} table over R2DBC; JSON columns hold snake_case JSON. */
public class VoiceSessionRepository {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private static final TypeReference<List<VoiceSessionRecord.Turn>> TURNS = new TypeReference<>() {
    };
    private static final TypeReference<List<VoiceSessionRecord.FunctionCall>> CALLS = new TypeReference<>() {
    };
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };
    private static final String COLUMNS = "id::text AS id, call_sid, tenant_id, agent_key, agent_version_id, "
            + "direction, caller_number, stream_sid, status, escalation_reason, started_at, ended_at, duration_ms, "
            + "time_to_first_audio_ms, state::text AS state, summary, tags::text AS tags, bridge_instance";

    private final DatabaseClient db;

    public VoiceSessionRepository(DatabaseClient db) {
        this.db = db;
    }

    /** Inserts or completes the session's row (the later write wins; writes of one session are ordered). */
    public Mono<Void> upsert(VoiceSessionRecord r) {
        GenericExecuteSpec spec = db.sql("INSERT INTO voice_sessions (id, call_sid, tenant_id, agent_key, "
                        + "agent_version_id, direction, caller_number, stream_sid, status, escalation_reason, started_at, "
                        + "ended_at, duration_ms, time_to_first_audio_ms, state, transcript, function_calls, summary, "
                        + "tags, bridge_instance, updated_at) VALUES (:id, :callSid, :tenantId, :agentKey, "
                        + ":agentVersionId, :direction, :caller, :streamSid, :status, :escalationReason, :startedAt, "
                        + ":endedAt, :durationMs, :ttfa, CAST(:state AS jsonb), CAST(:transcript AS jsonb), "
                        + "CAST(:functionCalls AS jsonb), :summary, CAST(:tags AS jsonb), :instance, now()) "
                        + "ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, "
                        + "escalation_reason = EXCLUDED.escalation_reason, ended_at = EXCLUDED.ended_at, "
                        + "duration_ms = EXCLUDED.duration_ms, time_to_first_audio_ms = EXCLUDED.time_to_first_audio_ms, "
                        + "state = EXCLUDED.state, transcript = EXCLUDED.transcript, "
                        + "function_calls = EXCLUDED.function_calls, summary = EXCLUDED.summary, tags = EXCLUDED.tags, "
                        + "updated_at = now()")
                .bind("id", UUID.fromString(r.id()))
                .bind("callSid", r.callSid())
                .bind("tenantId", r.tenantId())
                .bind("agentKey", r.agentKey())
                .bind("status", r.status())
                .bind("state", json(r.state() == null ? Map.of() : r.state()))
                .bind("transcript", json(r.transcript() == null ? List.of() : r.transcript()))
                .bind("functionCalls", json(r.functionCalls() == null ? List.of() : r.functionCalls()))
                .bind("tags", json(r.tags() == null ? List.of() : r.tags()));
        spec = bind(spec, "agentVersionId", r.agentVersionId(), String.class);
        spec = bind(spec, "direction", r.direction(), String.class);
        spec = bind(spec, "caller", r.callerNumber(), String.class);
        spec = bind(spec, "streamSid", r.streamSid(), String.class);
        spec = bind(spec, "escalationReason", r.escalationReason(), String.class);
        spec = bind(spec, "startedAt", r.startedAt(), Instant.class);
        spec = bind(spec, "endedAt", r.endedAt(), Instant.class);
        spec = bind(spec, "durationMs", r.durationMs(), Long.class);
        spec = bind(spec, "ttfa", r.timeToFirstAudioMs(), Long.class);
        spec = bind(spec, "summary", r.summary(), String.class);
        spec = bind(spec, "instance", r.bridgeInstance(), String.class);
        return spec.fetch().rowsUpdated().then();
    }

    /** A tenant's sessions, newest first, without transcript and function calls. */
    public Flux<VoiceSessionRecord> list(String tenantId, String status, String agentKey, int limit, long offset) {
        GenericExecuteSpec spec = db.sql("SELECT " + COLUMNS + " FROM voice_sessions WHERE tenant_id = :tenant"
                        + (status == null ? "" : " AND status = :status")
                        + (agentKey == null ? "" : " AND agent_key = :agentKey")
                        + " ORDER BY started_at DESC NULLS LAST, id LIMIT :limit OFFSET :offset")
                .bind("tenant", tenantId)
                .bind("limit", limit)
                .bind("offset", offset);
        if (status != null) {
            spec = spec.bind("status", status);
        }
        if (agentKey != null) {
            spec = spec.bind("agentKey", agentKey);
        }
        return spec.map(row -> read(row, false)).all();
    }

    /** How many sessions match the same filters. */
    public Mono<Long> count(String tenantId, String status, String agentKey) {
        GenericExecuteSpec spec = db.sql("SELECT count(*) AS n FROM voice_sessions WHERE tenant_id = :tenant"
                        + (status == null ? "" : " AND status = :status")
                        + (agentKey == null ? "" : " AND agent_key = :agentKey"))
                .bind("tenant", tenantId);
        if (status != null) {
            spec = spec.bind("status", status);
        }
        if (agentKey != null) {
            spec = spec.bind("agentKey", agentKey);
        }
        return spec.map(row -> row.get("n", Long.class)).one();
    }

    /** One session of the tenant by id (UUID) or call SID; empty when it is another tenant's or unknown. */
    public Mono<VoiceSessionRecord> find(String tenantId, String idOrCallSid) {
        String byId = isUuid(idOrCallSid) ? "id = CAST(:key AS uuid)" : "call_sid = :key";
        return db.sql("SELECT " + COLUMNS + ", transcript::text AS transcript, function_calls::text AS function_calls"
                        + " FROM voice_sessions WHERE tenant_id = :tenant AND " + byId
                        + " ORDER BY started_at DESC NULLS LAST LIMIT 1")
                .bind("tenant", tenantId)
                .bind("key", idOrCallSid)
                .map(row -> read(row, true))
                .one();
    }

    private static VoiceSessionRecord read(Readable row, boolean full) {
        return new VoiceSessionRecord(row.get("id", String.class), row.get("call_sid", String.class),
                row.get("tenant_id", String.class), row.get("agent_key", String.class),
                row.get("agent_version_id", String.class), row.get("direction", String.class),
                row.get("caller_number", String.class), row.get("stream_sid", String.class),
                row.get("status", String.class), row.get("escalation_reason", String.class),
                row.get("started_at", Instant.class), row.get("ended_at", Instant.class),
                row.get("duration_ms", Long.class), row.get("time_to_first_audio_ms", Long.class),
                parse(row.get("state", String.class), MAP),
                full ? parse(row.get("transcript", String.class), TURNS) : null,
                full ? parse(row.get("function_calls", String.class), CALLS) : null,
                row.get("summary", String.class), parse(row.get("tags", String.class), STRINGS),
                row.get("bridge_instance", String.class));
    }

    private static boolean isUuid(String value) {
        try {
            UUID.fromString(value);
            return value.length() == 36;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static <T> GenericExecuteSpec bind(GenericExecuteSpec spec, String name, T value, Class<T> type) {
        return value == null ? spec.bindNull(name, type) : spec.bind(name, value);
    }

    private static String json(Object value) {
        return EventCodec.mapper().writeValueAsString(value);
    }

    private static <T> T parse(String json, TypeReference<T> type) {
        return json == null ? null : EventCodec.mapper().readValue(json, type);
    }
}
