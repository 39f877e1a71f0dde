package dev.voiceagent.config.publish;

import dev.voiceagent.config.agent.AgentViews;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.config.support.Limits;
import dev.voiceagent.contracts.TenantConfigPublished.RuntimeConfig;
import dev.voiceagent.contracts.TenantConfigPublished.TenantLimits;
import java.util.List;
import java.util.Map;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds a tenant's full published view from the database: identity, numbers, runtime config with the resolved
 * prompt text (latest version of {@code system_prompt_key}) and call limits, tenant limits, live API key hashes
 * and agents.
 */
@Component
public class TenantViewAssembler {

    private final DatabaseClient db;
    private final AgentViews agents;
    private final JsonMapper json;

    public TenantViewAssembler(DatabaseClient db, AgentViews agents, JsonMapper json) {
        this.db = db;
        this.agents = agents;
        this.json = json;
    }

    /** The tenant's view; empty when the tenant does not exist. */
    public Mono<TenantConfigPublished> view(String tenantId) {
        return tenant(tenantId).flatMap(tenant -> Mono.zip(numbers(tenantId), runtimeConfig(tenantId),
                        keyHashes(tenantId), agents.forTenant(tenantId))
                .map(parts -> new TenantConfigPublished(tenantId, tenant.displayName(), tenant.enabled(),
                        parts.getT1(), tenant.timeZone(), parts.getT2().orElse(null), parts.getT3(), parts.getT4(),
                        tenant.revision(), tenant.limits())));
    }

    private Mono<TenantRow> tenant(String tenantId) {
        return db.sql("SELECT display_name, enabled, time_zone, revision, limits::text AS limits FROM tenants "
                        + "WHERE id = :tenant")
                .bind("tenant", tenantId)
                .map((row, meta) -> new TenantRow(row.get("display_name", String.class),
                        Boolean.TRUE.equals(row.get("enabled", Boolean.class)), row.get("time_zone", String.class),
                        row.get("revision", Long.class), tenantLimits(limits(row.get("limits", String.class)))))
                .one();
    }

    private Mono<List<String>> numbers(String tenantId) {
        return db.sql("SELECT phone_number FROM tenant_phone_numbers WHERE tenant_id = :tenant ORDER BY position")
                .bind("tenant", tenantId)
                .map((row, meta) -> row.get("phone_number", String.class))
                .all()
                .collectList();
    }

    private Mono<java.util.Optional<RuntimeConfig>> runtimeConfig(String tenantId) {
        return db.sql("SELECT r.model, r.voice, r.system_prompt_key, r.webhook_url, r.language, r.greeting, "
                        + "r.on_call_number, r.limits::text AS limits, p.version AS prompt_version, p.text AS prompt_text "
                        + "FROM runtime_configs r LEFT JOIN LATERAL (SELECT version, text FROM prompt_versions "
                        + "  WHERE tenant_id = r.tenant_id AND prompt_key = r.system_prompt_key "
                        + "  ORDER BY version DESC LIMIT 1) p ON TRUE "
                        + "WHERE r.tenant_id = :tenant")
                .bind("tenant", tenantId)
                .map((row, meta) -> new RuntimeConfig(row.get("model", String.class), row.get("voice", String.class),
                        row.get("system_prompt_key", String.class), orZero(row.get("prompt_version", Integer.class)),
                        row.get("prompt_text", String.class), row.get("webhook_url", String.class),
                        row.get("language", String.class), row.get("greeting", String.class),
                        Limits.callLimits(limits(row.get("limits", String.class))),
                        row.get("on_call_number", String.class)))
                .one()
                .map(java.util.Optional::of)
                .defaultIfEmpty(java.util.Optional.empty());
    }

    private Mono<List<String>> keyHashes(String tenantId) {
        return db.sql("SELECT key_hash FROM api_keys WHERE tenant_id = :tenant AND revoked_at IS NULL ORDER BY created_at, id")
                .bind("tenant", tenantId)
                .map((row, meta) -> row.get("key_hash", String.class))
                .all()
                .collectList();
    }

    private Map<String, Integer> limits(String stored) {
        return stored == null ? Map.of() : Limits.fromJson(json.readTree(stored));
    }

    static TenantLimits tenantLimits(Map<String, Integer> limits) {
        return new TenantLimits(limits.get("max_concurrent_calls"), limits.get("calls_per_minute"),
                limits.get("max_call_duration_seconds"));
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }

    private record TenantRow(String displayName, boolean enabled, String timeZone, long revision,
                             TenantLimits limits) {
    }
}
