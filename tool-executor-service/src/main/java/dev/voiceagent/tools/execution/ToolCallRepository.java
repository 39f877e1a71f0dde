package dev.voiceagent.tools.execution;

import dev.voiceagent.tools.support.JsonMaps;
import io.r2dbc.postgresql.codec.Json;
import io.r2dbc.spi.Readable;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;

/** The stored first result of every tool call, keyed by (tenant, tool_call_id). */
@Repository
public class ToolCallRepository {

    private final DatabaseClient db;

    public ToolCallRepository(DatabaseClient db) {
        this.db = db;
    }

    public Mono<StoredToolCall> find(String tenantId, String toolCallId) {
        return db.sql("SELECT * FROM tool_calls WHERE tenant_id = :tenant AND tool_call_id = :id")
                .bind("tenant", tenantId)
                .bind("id", toolCallId)
                .map(ToolCallRepository::toStored)
                .one();
    }

    /** Stores the result unless one is already there; answers whichever result is stored. */
    public Mono<StoredToolCall> storeFirst(StoredToolCall call) {
        var spec = db.sql("INSERT INTO tool_calls (tenant_id, tool_call_id, call_sid, tool, status, output, reason, "
                        + "latency_ms, event_id) VALUES (:tenant, :id, :callSid, :tool, :status, :output, :reason, "
                        + ":latency, :eventId) ON CONFLICT (tenant_id, tool_call_id) DO NOTHING")
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
