package dev.voiceagent.config.agent;

import dev.voiceagent.config.support.ConfigProperties;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The agents a tenant's published view carries: for each agent with a rollout, the version the rollout serves
 * by default and the tools that version's contract allows. Until a tenant has one, the configured default agent
 * ({@code default} / {@code default-v1}), so the first call works.
 */
@Component
public class AgentViews {

    private final DatabaseClient db;
    private final JsonMapper json;
    private final ConfigProperties.DefaultAgent defaultAgent;

    public AgentViews(DatabaseClient db, JsonMapper json, ConfigProperties properties) {
        this.db = db;
        this.json = json;
        this.defaultAgent = properties.defaultAgent();
    }

    public Mono<List<AgentView>> forTenant(String tenantId) {
        return db.sql("SELECT r.agent_key, r.policy::text AS policy, v.contract::text AS contract "
                        + "FROM agent_rollouts r JOIN agent_versions v ON v.tenant_id = r.tenant_id "
                        + "AND v.id = COALESCE(r.policy ->> 'pinned_version_id', r.policy ->> 'default_version_id') "
                        + "WHERE r.tenant_id = :tenant ORDER BY r.agent_key")
                .bind("tenant", tenantId)
                .map((row, meta) -> view(row.get("agent_key", String.class),
                        RolloutPolicy.fromJson(json.readTree(row.get("policy", String.class))),
                        AgentContract.fromJson(json.readTree(row.get("contract", String.class)))))
                .all()
                .collectList()
                .map(views -> views.isEmpty() ? List.of(defaultView()) : views);
    }

    AgentView defaultView() {
        return new AgentView(defaultAgent.agentKey(), defaultAgent.agentVersionId(),
                List.copyOf(defaultAgent.allowedTools()), defaultAgent.fallbackDestination());
    }

    static AgentView view(String agentKey, RolloutPolicy policy, AgentContract contract) {
        return new AgentView(agentKey, policy.servedVersionId(), contract.allowedTools(), contract.fallbackDestination());
    }
}
