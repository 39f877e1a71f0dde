package dev.voiceagent.tools.lookup;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;

/** Each tenant's optional lookup backend ({@code tools.lookup_connectors}). */
@Repository
public class LookupConnectorRepository {

    /** Where the tenant's backend is, and the Authorization header value to send (a secret). */
    public record Connector(String url, String authHeader) {

        @Override
        public String toString() {
            return "Connector[url=" + url + ", authHeader=" + (authHeader == null ? "none" : "***") + "]";
        }
    }

    private final DatabaseClient db;

    public LookupConnectorRepository(DatabaseClient db) {
        this.db = db;
    }

    public Mono<Connector> find(String tenantId) {
        return db.sql("SELECT url, auth_header FROM lookup_connectors WHERE tenant_id = :tenant")
                .bind("tenant", tenantId)
                .map(row -> new Connector(row.get("url", String.class), row.get("auth_header", String.class)))
                .one();
    }

    public Mono<Void> save(String tenantId, Connector connector) {
        var spec = db.sql("INSERT INTO lookup_connectors (tenant_id, url, auth_header) VALUES (:tenant, :url, :auth) "
                        + "ON CONFLICT (tenant_id) DO UPDATE SET url = EXCLUDED.url, auth_header = EXCLUDED.auth_header, "
                        + "updated_at = now()")
                .bind("tenant", tenantId).bind("url", connector.url());
        spec = connector.authHeader() == null ? spec.bindNull("auth", String.class)
                : spec.bind("auth", connector.authHeader());
        return spec.fetch().rowsUpdated().then();
    }

    public Mono<Boolean> delete(String tenantId) {
        return db.sql("DELETE FROM lookup_connectors WHERE tenant_id = :tenant").bind("tenant", tenantId)
                .fetch().rowsUpdated().map(deleted -> deleted > 0);
    }
}
