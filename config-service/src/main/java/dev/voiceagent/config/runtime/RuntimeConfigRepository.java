package dev.voiceagent.config.runtime;

import dev.voiceagent.config.support.Limits;
import dev.voiceagent.config.support.Rows;
import io.r2dbc.postgresql.codec.Json;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** One runtime config per tenant. */
@Repository
public class RuntimeConfigRepository {

    private final DatabaseClient db;
    private final JsonMapper json;

    public RuntimeConfigRepository(DatabaseClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    public Mono<RuntimeConfigView> find(String tenantId) {
        return db.sql("SELECT r.model, r.voice, r.system_prompt_key, r.webhook_url, r.language, r.greeting, "
                        + "r.on_call_number, r.limits::text AS limits, r.updated_at, "
                        + "(SELECT MAX(version) FROM prompt_versions p "
                        + "  WHERE p.tenant_id = r.tenant_id AND p.prompt_key = r.system_prompt_key) AS prompt_version "
                        + "FROM runtime_configs r WHERE r.tenant_id = :tenant")
                .bind("tenant", tenantId)
                .map((row, meta) -> new RuntimeConfigView(row.get("model", String.class),
                        row.get("voice", String.class), row.get("system_prompt_key", String.class),
                        row.get("webhook_url", String.class), row.get("on_call_number", String.class),
                        row.get("language", String.class), row.get("greeting", String.class),
                        Limits.fromJson(json.readTree(row.get("limits", String.class))),
                        row.get("prompt_version", Integer.class), Rows.instant(row.get("updated_at"))))
                .one();
    }

    public Mono<Void> upsert(String tenantId, RuntimeConfigRequest config) {
        var spec = db.sql("INSERT INTO runtime_configs (tenant_id, model, voice, system_prompt_key, webhook_url, "
                        + "language, greeting, limits, on_call_number) VALUES (:tenant, :model, :voice, :prompt, :webhook, "
                        + ":language, :greeting, :limits, :onCall) ON CONFLICT (tenant_id) DO UPDATE SET model = EXCLUDED.model, "
                        + "voice = EXCLUDED.voice, system_prompt_key = EXCLUDED.system_prompt_key, "
                        + "webhook_url = EXCLUDED.webhook_url, language = EXCLUDED.language, "
                        + "greeting = EXCLUDED.greeting, limits = EXCLUDED.limits, "
                        + "on_call_number = EXCLUDED.on_call_number, updated_at = now()")
                .bind("tenant", tenantId)
                .bind("model", config.model())
                .bind("voice", config.voice())
                .bind("prompt", config.systemPromptKey())
                .bind("limits", Json.of(json.writeValueAsString(config.limits())));
        spec = Rows.bindNullable(spec, "webhook", config.webhookUrl(), String.class);
        spec = Rows.bindNullable(spec, "language", config.language(), String.class);
        spec = Rows.bindNullable(spec, "greeting", config.greeting(), String.class);
        spec = Rows.bindNullable(spec, "onCall", config.onCallNumber(), String.class);
        return spec.then();
    }
}
