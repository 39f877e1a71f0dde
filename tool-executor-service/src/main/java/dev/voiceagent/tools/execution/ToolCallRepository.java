package dev.voiceagent.tools.execution;

import dev.voiceagent.tools.support.JsonMaps;
import io.r2dbc.postgresql.codec.Json;
import io.r2dbc.spi.Readable;
import java.time.Duration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;

/**
 * The stored first result of every tool call, keyed by (tenant, tool_call_id), and the claim that holds its place
 * while the tool runs (status {@value #RUNNING}, never sent), so one execution runs per tool call across instances.
 */
@Repository
public class ToolCallRepository {

    static final String RUNNING = "running";

    private final DatabaseClient db;

    public ToolCallRepository(DatabaseClient db) {
        this.db = db;
    }

    /** The stored result; empty while there is none (or only a claim). */
    public Mono<StoredToolCall> find(String tenantId, String toolCallId) {
        return db.sql("SELECT * FROM tool_calls WHERE tenant_id = :tenant AND tool_call_id = :id "
                        + "AND status <> '" + RUNNING + "'")
                .bind("tenant", tenantId)
                .bind("id", toolCallId)
                .map(ToolCallRepository::toStored)
                .one();
    }

    /**
     * Claims the tool call for the execution whose completion event will be {@code eventId}, for {@code lease}:
     * a new row, or the claim of an execution that stopped before its lease ran out. Answers whether this execution
     * holds the claim; false when a result is stored or another execution holds a live claim.
     */
    public Mono<Boolean> claim(ToolCall call, String eventId, Duration lease) {
        // the database's clock for both ends of a lease, so instances with skewed clocks agree on when it ends
        var spec = db.sql("INSERT INTO tool_calls (tenant_id, tool_call_id, call_sid, tool, status, output, "
                        + "latency_ms, event_id, claimed_until) VALUES (:tenant, :id, :callSid, :tool, '" + RUNNING
                        + "', '{}', 0, :eventId, now() + :leaseMs * interval '1 millisecond') "
                        + "ON CONFLICT (tenant_id, tool_call_id) DO UPDATE "
                        + "SET event_id = EXCLUDED.event_id, claimed_until = EXCLUDED.claimed_until "
                        + "WHERE tool_calls.status = '" + RUNNING + "' AND tool_calls.claimed_until < now()")
                .bind("tenant", call.tenantId())
                .bind("id", call.request().toolCallId())
                .bind("tool", call.request().tool())
                .bind("eventId", eventId)
                .bind("leaseMs", lease.toMillis());
        spec = call.callSid() == null ? spec.bindNull("callSid", String.class) : spec.bind("callSid", call.callSid());
        return spec.fetch().rowsUpdated().map(claimed -> claimed > 0);
    }

    /**
     * Stores the result unless one is already there (a claim, whoever holds it, is replaced: the first result is the
     * only result); answers whichever result is stored.
     */
    public Mono<StoredToolCall> storeFirst(StoredToolCall call) {
        var spec = db.sql("INSERT INTO tool_calls (tenant_id, tool_call_id, call_sid, tool, status, output, reason, "
                        + "latency_ms, event_id) VALUES (:tenant, :id, :callSid, :tool, :status, :output, :reason, "
                        + ":latency, :eventId) ON CONFLICT (tenant_id, tool_call_id) DO UPDATE "
                        + "SET status = EXCLUDED.status, output = EXCLUDED.output, reason = EXCLUDED.reason, "
                        + "latency_ms = EXCLUDED.latency_ms, event_id = EXCLUDED.event_id, completed_at = now(), "
                        + "claimed_until = NULL WHERE tool_calls.status = '" + RUNNING + "'")
                .bind("tenant", call.tenantId())
                .bind("id", call.toolCallId())
                .bind("tool", call.tool())
                .bind("status", call.result().status())
                .bind("output", Json.of(JsonMaps.write(call.result().output())))
                .bind("latency", call.latencyMs())
                .bind("eventId", call.eventId());
        spec = call.callSid() == null ? spec.bindNull("callSid", String.class) : spec.bind("callSid", call.callSid());
        spec = call.result().reason() == null ? spec.bindNull("reason", String.class)
                : spec.bind("reason", call.result().reason());
        return spec.fetch().rowsUpdated().then(find(call.tenantId(), call.toolCallId()));
    }

    private static StoredToolCall toStored(Readable row) {
        Json output = row.get("output", Json.class);
        ToolResult result = new ToolResult(row.get("status", String.class),
                JsonMaps.read(output == null ? "{}" : output.asString()), row.get("reason", String.class));
        return new StoredToolCall(row.get("tenant_id", String.class), row.get("tool_call_id", String.class),
                row.get("call_sid", String.class), row.get("tool", String.class), result,
                row.get("latency_ms", Long.class), row.get("event_id", String.class));
    }

    /** A tool call's stored result and the id of the completion event that carries it. */
    public record StoredToolCall(String tenantId, String toolCallId, String callSid, String tool, ToolResult result,
                                 long latencyMs, String eventId) {
    }
}
