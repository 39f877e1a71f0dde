package dev.voiceagent.config.audit;

import dev.voiceagent.config.support.Rows;
import io.r2dbc.postgresql.codec.Json;
import java.time.Instant;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The audit trail: who changed what about a tenant, when, with the state before and after. */
@Repository
public class AuditLog {

    /** One audited change as the API shows it. */
    public record Entry(long id, String tenantId, String actor, String action, JsonNode before, JsonNode after,
                        Instant createdAt) {
    }

    private final DatabaseClient db;
    private final JsonMapper json;

    public AuditLog(DatabaseClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    /** Records a change; call inside the change's transaction. {@code before}/{@code after} may be null. */
    public Mono<Void> record(String tenantId, String actor, String action, Object before, Object after) {
        return db.sql("INSERT INTO audit_log (tenant_id, actor, action, before, after) "
                        + "VALUES (:tenant, :actor, :action, :before, :after)")
                .bind("tenant", tenantId)
                .bind("actor", actor)
                .bind("action", action)
                .bind("before", toJson(before))
                .bind("after", toJson(after))
                .then();
    }

    public Flux<Entry> list(String tenantId, int limit) {
        return list(tenantId, limit, null, null);
    }

    /** Newest first; {@code beforeId} and {@code action} narrow the list when not null. */
    public Flux<Entry> list(String tenantId, int limit, Long beforeId, String action) {
        var spec = db.sql("SELECT id, tenant_id, actor, action, before::text AS before, after::text AS after, "
                        + "created_at FROM audit_log WHERE tenant_id = :tenant "
                        + "AND (CAST(:before AS BIGINT) IS NULL OR id < :before) "
                        + "AND (CAST(:action AS TEXT) IS NULL OR action = :action) ORDER BY id DESC LIMIT :limit")
                .bind("tenant", tenantId)
                .bind("limit", limit);
        spec = Rows.bindNullable(spec, "before", beforeId, Long.class);
        spec = Rows.bindNullable(spec, "action", action, String.class);
        return spec.map((row, meta) -> new Entry(row.get("id", Long.class), row.get("tenant_id", String.class),
                        row.get("actor", String.class), row.get("action", String.class),
                        parse(row.get("before", String.class)), parse(row.get("after", String.class)),
                        row.get("created_at", Instant.class)))
                .all();
    }

    private Json toJson(Object value) {
        return Json.of(value == null ? "null" : json.writeValueAsString(value));
    }

    private JsonNode parse(String text) {
        return text == null ? null : json.readTree(text);
    }
}
