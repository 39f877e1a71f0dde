package dev.voiceagent.config.agent;

import dev.voiceagent.config.runtime.RuntimeConfigView;
import dev.voiceagent.config.support.Rows;
import io.r2dbc.postgresql.codec.Json;
import java.time.Instant;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** Agents (their current contract), their immutable versions and their rollout policies with history. */
@Repository
public class AgentRepository {

    /** An agent as listed: its working contract and, once it has versions, its rollout. */
    public record Agent(String agentKey, AgentContract contract, RolloutPolicy rollout, Instant createdAt,
                        Instant updatedAt) {
    }

    private static final String VERSION_COLUMNS = "id, agent_key, version, contract::text AS contract, "
            + "runtime_config::text AS runtime_config, prompt_key, prompt_version, note, created_at";

    private final DatabaseClient db;
    private final JsonMapper json;

    public AgentRepository(DatabaseClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    public Mono<Void> upsert(String tenantId, String agentKey, AgentContract contract) {
        return db.sql("INSERT INTO agents (tenant_id, agent_key, contract) VALUES (:tenant, :key, :contract) "
                        + "ON CONFLICT (tenant_id, agent_key) DO UPDATE SET contract = EXCLUDED.contract, "
                        + "updated_at = now()")
                .bind("tenant", tenantId)
                .bind("key", agentKey)
                .bind("contract", Json.of(json.writeValueAsString(contract)))
                .then();
    }

    public Mono<Agent> find(String tenantId, String agentKey) {
        return agents(tenantId, agentKey).next();
    }

    public Flux<Agent> list(String tenantId) {
        return agents(tenantId, null);
    }

    private Flux<Agent> agents(String tenantId, String agentKey) {
        var spec = db.sql("SELECT a.agent_key, a.contract::text AS contract, r.policy::text AS policy, a.created_at, "
                        + "a.updated_at FROM agents a LEFT JOIN agent_rollouts r ON r.tenant_id = a.tenant_id "
                        + "AND r.agent_key = a.agent_key WHERE a.tenant_id = :tenant "
                        + "AND (CAST(:key AS TEXT) IS NULL OR a.agent_key = :key) ORDER BY a.agent_key")
                .bind("tenant", tenantId);
        spec = Rows.bindNullable(spec, "key", agentKey, String.class);
        return spec.map((row, meta) -> {
                    String policy = row.get("policy", String.class);
                    return new Agent(row.get("agent_key", String.class),
                            AgentContract.fromJson(json.readTree(row.get("contract", String.class))),
                            policy == null ? null : RolloutPolicy.fromJson(json.readTree(policy)),
                            Rows.instant(row.get("created_at")), Rows.instant(row.get("updated_at")));
                })
                .all();
    }

    /** Cuts the next version of the agent from its contract, the runtime config and the prompt version. */
    public Mono<AgentVersion> createVersion(String tenantId, String agentKey, AgentContract contract,
                                            RuntimeConfigView runtime, int promptVersion, String note) {
        var spec = db.sql("INSERT INTO agent_versions (id, tenant_id, agent_key, version, contract, runtime_config, "
                        + "prompt_key, prompt_version, note) SELECT :key || '-v' || n, :tenant, :key, n, :contract, "
                        + ":runtime, :promptKey, :promptVersion, :note FROM (SELECT COALESCE(MAX(version), 0) + 1 AS n "
                        + "FROM agent_versions WHERE tenant_id = :tenant AND agent_key = :key) next "
                        + "RETURNING " + VERSION_COLUMNS)
                .bind("tenant", tenantId)
                .bind("key", agentKey)
                .bind("contract", Json.of(json.writeValueAsString(contract)))
                .bind("runtime", Json.of(json.writeValueAsString(runtime)))
                .bind("promptKey", runtime.systemPromptKey())
                .bind("promptVersion", promptVersion);
        return Rows.bindNullable(spec, "note", note, String.class).map((row, meta) -> version(row)).one();
    }

    public Flux<AgentVersion> versions(String tenantId, String agentKey) {
        return db.sql("SELECT " + VERSION_COLUMNS + " FROM agent_versions WHERE tenant_id = :tenant "
                        + "AND agent_key = :key ORDER BY version DESC")
                .bind("tenant", tenantId)
                .bind("key", agentKey)
                .map((row, meta) -> version(row))
                .all();
    }

    public Mono<AgentVersion> version(String tenantId, String agentKey, String versionId) {
        return db.sql("SELECT " + VERSION_COLUMNS + " FROM agent_versions WHERE tenant_id = :tenant "
                        + "AND agent_key = :key AND id = :id")
                .bind("tenant", tenantId)
                .bind("key", agentKey)
                .bind("id", versionId)
                .map((row, meta) -> version(row))
                .one();
    }

    /** Replaces the rollout, keeping the previous policy in the history for rollback. */
    public Mono<Void> setRollout(String tenantId, String agentKey, RolloutPolicy policy) {
        Mono<Void> remember = db.sql("INSERT INTO agent_rollout_history (tenant_id, agent_key, policy) "
                        + "SELECT tenant_id, agent_key, policy FROM agent_rollouts WHERE tenant_id = :tenant "
                        + "AND agent_key = :key")
                .bind("tenant", tenantId).bind("key", agentKey).then();
        return remember.then(writeRollout(tenantId, agentKey, policy));
    }

    /** The current policy and up to 100 earlier ones (the rollback history), newest first. */
    public Flux<RolloutPolicy> policies(String tenantId, String agentKey) {
        return db.sql("(SELECT policy::text AS policy, 0 AS rank, 0::BIGINT AS id FROM agent_rollouts "
                        + "WHERE tenant_id = :tenant AND agent_key = :key) UNION ALL (SELECT policy::text, 1, id "
                        + "FROM agent_rollout_history WHERE tenant_id = :tenant AND agent_key = :key "
                        + "ORDER BY id DESC LIMIT 100) ORDER BY rank, id DESC")
                .bind("tenant", tenantId)
                .bind("key", agentKey)
                .map((row, meta) -> RolloutPolicy.fromJson(json.readTree(row.get("policy", String.class))))
                .all();
    }

    /** Restores the most recent previous policy (and forgets it, so rolling back again goes further back). */
    public Mono<RolloutPolicy> rollback(String tenantId, String agentKey) {
        return db.sql("DELETE FROM agent_rollout_history WHERE id = (SELECT MAX(id) FROM agent_rollout_history "
                        + "WHERE tenant_id = :tenant AND agent_key = :key) RETURNING policy::text AS policy")
                .bind("tenant", tenantId)
                .bind("key", agentKey)
                .map((row, meta) -> RolloutPolicy.fromJson(json.readTree(row.get("policy", String.class))))
                .one()
                .flatMap(previous -> writeRollout(tenantId, agentKey, previous).thenReturn(previous));
    }

    private Mono<Void> writeRollout(String tenantId, String agentKey, RolloutPolicy policy) {
        return db.sql("INSERT INTO agent_rollouts (tenant_id, agent_key, policy) VALUES (:tenant, :key, :policy) "
                        + "ON CONFLICT (tenant_id, agent_key) DO UPDATE SET policy = EXCLUDED.policy, updated_at = now()")
                .bind("tenant", tenantId)
                .bind("key", agentKey)
                .bind("policy", Json.of(json.writeValueAsString(policy)))
                .then();
    }

    private AgentVersion version(io.r2dbc.spi.Readable row) {
        return new AgentVersion(row.get("id", String.class), row.get("agent_key", String.class),
                row.get("version", Integer.class), AgentContract.fromJson(json.readTree(row.get("contract", String.class))),
                json.readValue(row.get("runtime_config", String.class), RuntimeConfigView.class),
                row.get("prompt_key", String.class), row.get("prompt_version", Integer.class),
                row.get("note", String.class), Rows.instant(row.get("created_at")));
    }
}
