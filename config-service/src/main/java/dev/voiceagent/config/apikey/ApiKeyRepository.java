package dev.voiceagent.config.apikey;

import dev.voiceagent.config.support.Rows;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Tenant API keys, stored as SHA-256 hashes. */
@Repository
public class ApiKeyRepository {

    private static final String COLUMNS = "id, name, prefix, created_at, revoked_at";

    private final DatabaseClient db;

    public ApiKeyRepository(DatabaseClient db) {
        this.db = db;
    }

    public Mono<ApiKey> insert(String tenantId, String id, String name, String prefix, String hash) {
        var spec = db.sql("INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash) "
                        + "VALUES (:id, :tenant, :name, :prefix, :hash) RETURNING " + COLUMNS)
                .bind("id", id)
                .bind("tenant", tenantId)
                .bind("prefix", prefix)
                .bind("hash", hash);
        return Rows.bindNullable(spec, "name", name, String.class).map((row, meta) -> key(row)).one();
    }

    public Mono<Boolean> hashInUse(String hash) {
        return db.sql("SELECT 1 AS one FROM api_keys WHERE key_hash = :hash")
                .bind("hash", hash)
                .map((row, meta) -> 1)
                .one()
                .hasElement();
    }

    public Flux<ApiKey> list(String tenantId) {
        return db.sql("SELECT " + COLUMNS + " FROM api_keys WHERE tenant_id = :tenant ORDER BY created_at, id")
                .bind("tenant", tenantId)
                .map((row, meta) -> key(row))
                .all();
    }

    public Mono<ApiKey> find(String tenantId, String id) {
        return db.sql("SELECT " + COLUMNS + " FROM api_keys WHERE tenant_id = :tenant AND id = :id")
                .bind("tenant", tenantId)
                .bind("id", id)
                .map((row, meta) -> key(row))
                .one();
    }

    public Mono<ApiKey> revoke(String tenantId, String id) {
        return db.sql("UPDATE api_keys SET revoked_at = now() WHERE tenant_id = :tenant AND id = :id "
                        + "AND revoked_at IS NULL RETURNING " + COLUMNS)
                .bind("tenant", tenantId)
                .bind("id", id)
                .map((row, meta) -> key(row))
                .one();
    }

    private static ApiKey key(io.r2dbc.spi.Readable row) {
        var revokedAt = Rows.instant(row.get("revoked_at"));
        return new ApiKey(row.get("id", String.class), row.get("name", String.class), row.get("prefix", String.class),
                Rows.instant(row.get("created_at")), revokedAt != null, revokedAt);
    }
}
