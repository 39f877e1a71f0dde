package dev.voiceagent.config.prompt;

import dev.voiceagent.config.support.Rows;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The per-tenant prompt library; versions are append-only. */
@Repository
public class PromptRepository {

    private final DatabaseClient db;

    public PromptRepository(DatabaseClient db) {
        this.db = db;
    }

    /** Appends the next version of {@code key}. */
    public Mono<PromptVersion> append(String tenantId, String key, String text) {
        return db.sql("INSERT INTO prompt_versions (tenant_id, prompt_key, version, text) "
                        + "SELECT :tenant, :key, COALESCE(MAX(version), 0) + 1, :text FROM prompt_versions "
                        + "WHERE tenant_id = :tenant AND prompt_key = :key "
                        + "RETURNING prompt_key, version, text, created_at")
                .bind("tenant", tenantId)
                .bind("key", key)
                .bind("text", text)
                .map((row, meta) -> version(row))
                .one();
    }

    public Mono<Boolean> exists(String tenantId, String key) {
        return latest(tenantId, key).hasElement();
    }

    public Mono<PromptVersion> latest(String tenantId, String key) {
        return db.sql("SELECT prompt_key, version, text, created_at FROM prompt_versions "
                        + "WHERE tenant_id = :tenant AND prompt_key = :key ORDER BY version DESC LIMIT 1")
                .bind("tenant", tenantId)
                .bind("key", key)
                .map((row, meta) -> version(row))
                .one();
    }

    public Mono<PromptVersion> version(String tenantId, String key, int version) {
        return db.sql("SELECT prompt_key, version, text, created_at FROM prompt_versions "
                        + "WHERE tenant_id = :tenant AND prompt_key = :key AND version = :version")
                .bind("tenant", tenantId)
                .bind("key", key)
                .bind("version", version)
                .map((row, meta) -> version(row))
                .one();
    }

    /** Every version of one prompt, newest first. */
    public Flux<PromptVersion> versions(String tenantId, String key) {
        return db.sql("SELECT prompt_key, version, text, created_at FROM prompt_versions "
                        + "WHERE tenant_id = :tenant AND prompt_key = :key ORDER BY version DESC")
                .bind("tenant", tenantId)
                .bind("key", key)
                .map((row, meta) -> version(row))
                .all();
    }

    public Flux<PromptSummary> list(String tenantId) {
        return db.sql("SELECT prompt_key, MAX(version) AS latest, MAX(created_at) AS updated_at FROM prompt_versions "
                        + "WHERE tenant_id = :tenant GROUP BY prompt_key ORDER BY prompt_key")
                .bind("tenant", tenantId)
                .map((row, meta) -> new PromptSummary(row.get("prompt_key", String.class),
                        row.get("latest", Integer.class), Rows.instant(row.get("updated_at"))))
                .all();
    }

    private static PromptVersion version(io.r2dbc.spi.Readable row) {
        return new PromptVersion(row.get("prompt_key", String.class), row.get("version", Integer.class),
                row.get("text", String.class), Rows.instant(row.get("created_at")));
    }
}
