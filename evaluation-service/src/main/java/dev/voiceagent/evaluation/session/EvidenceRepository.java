package dev.voiceagent.evaluation.session;

import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.TranscriptTurn;
import dev.voiceagent.evaluation.rubric.SessionEvidence;
import java.util.Map;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Transcript turns and tool results per call, stored once each (by event id, by tool call id), and the latest tracked
 * session state per key (by event time).
 */
@Repository
public class EvidenceRepository {

    private final DatabaseClient db;

    public EvidenceRepository(DatabaseClient db) {
        this.db = db;
    }

    public Mono<Long> saveTurn(EventEnvelope<?> envelope, TranscriptTurn turn) {
        GenericExecuteSpec spec = db.sql("INSERT INTO transcript_turns (event_id, tenant_id, call_sid, role, text, "
                        + "item_id, turn_index, offset_ms) VALUES (:id, :tenant, :callSid, :role, :text, :item, "
                        + ":index, :offset) ON CONFLICT (event_id) DO NOTHING")
                .bind("id", envelope.id())
                .bind("callSid", envelope.callSid())
                .bind("role", turn.role() == null ? "unknown" : turn.role())
                .bind("text", turn.text() == null ? "" : turn.text())
                .bind("index", turn.turnIndex())
                .bind("offset", turn.offsetMs());
        spec = nullable(spec, "tenant", envelope.tenantId());
        spec = nullable(spec, "item", turn.itemId());
        return spec.fetch().rowsUpdated();
    }

    public Mono<Long> saveToolResult(EventEnvelope<?> envelope, ToolCompleted result) {
        GenericExecuteSpec spec = db.sql("INSERT INTO tool_results (call_sid, tool_call_id, tenant_id, tool, status, "
                        + "reason, latency_ms, event_id) VALUES (:callSid, :toolCallId, :tenant, :tool, :status, "
                        + ":reason, :latency, :eventId) ON CONFLICT (call_sid, tool_call_id) DO NOTHING")
                .bind("callSid", envelope.callSid())
                .bind("toolCallId", result.toolCallId())
                .bind("tool", result.tool() == null ? "unknown" : result.tool())
                .bind("status", result.status() == null ? "unknown" : result.status())
                .bind("latency", result.latencyMs())
                .bind("eventId", envelope.id());
        spec = nullable(spec, "tenant", envelope.tenantId());
        spec = nullable(spec, "reason", result.reason());
        return spec.fetch().rowsUpdated();
    }

    public Flux<SessionEvidence.Turn> turns(String callSid) {
        return db.sql("SELECT role, text, turn_index, offset_ms FROM transcript_turns WHERE call_sid = :callSid "
                        + "ORDER BY turn_index, received_at")
                .bind("callSid", callSid)
                .map(row -> new SessionEvidence.Turn(row.get("role", String.class), row.get("text", String.class),
                        row.get("turn_index", Integer.class), row.get("offset_ms", Long.class)))
                .all();
    }

    /**
     * Stores each reported state key's value (as text) unless a later state change, by the envelope's time, already
     * set it: the listener applies the records of one poll concurrently, so the older of two changes can come last.
     * Answers how many keys moved.
     */
    public Mono<Long> saveState(EventEnvelope<?> envelope, Map<String, Object> state) {
        return Flux.fromIterable(state.entrySet())
                .filter(e -> e.getKey() != null && e.getValue() != null)
                .concatMap(e -> nullable(db.sql("INSERT INTO session_states (call_sid, state_key, value, tenant_id, "
                                + "event_time) VALUES (:callSid, :key, :value, :tenant, :time) "
                                + "ON CONFLICT (call_sid, state_key) DO UPDATE SET value = EXCLUDED.value, "
                                + "event_time = EXCLUDED.event_time, updated_at = now() "
                                // equal times keep arrival order, the order they were published in when nothing raced
                                + "WHERE session_states.event_time IS NULL "
                                + "OR session_states.event_time <= EXCLUDED.event_time")
                        .bind("callSid", envelope.callSid())
                        .bind("key", e.getKey())
                        .bind("value", String.valueOf(e.getValue()))
                        .bind("time", envelope.time()), "tenant", envelope.tenantId())
                        .fetch().rowsUpdated())
                .reduce(0L, Long::sum);
    }

    public Mono<Map<String, String>> states(String callSid) {
        return db.sql("SELECT state_key, value FROM session_states WHERE call_sid = :callSid")
                .bind("callSid", callSid)
                .map(row -> Map.entry(row.get("state_key", String.class), String.valueOf(row.get("value", String.class))))
                .all()
                .collectMap(Map.Entry::getKey, Map.Entry::getValue);
    }

    public Flux<SessionEvidence.ToolResult> toolResults(String callSid) {
        return db.sql("SELECT tool_call_id, tool, status, reason, latency_ms FROM tool_results "
                        + "WHERE call_sid = :callSid ORDER BY received_at")
                .bind("callSid", callSid)
                .map(row -> new SessionEvidence.ToolResult(row.get("tool_call_id", String.class),
                        row.get("tool", String.class), row.get("status", String.class),
                        row.get("reason", String.class), row.get("latency_ms", Long.class)))
                .all();
    }

    private static GenericExecuteSpec nullable(GenericExecuteSpec spec, String name, String value) {
        return value == null ? spec.bindNull(name, String.class) : spec.bind(name, value);
    }
}
