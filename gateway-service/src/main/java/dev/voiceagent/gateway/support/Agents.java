package dev.voiceagent.gateway.support;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import java.util.List;
import java.util.Optional;

/** Picks the agent for a call from the tenant's published view: the requested key, else the first (default). */
public final class Agents {

    private Agents() {
    }

    /** Empty when the tenant has no agents, or none with the requested key. */
    public static Optional<AgentView> choose(TenantConfigPublished tenant, String agentKey) {
        List<AgentView> agents = tenant.agents() == null ? List.of() : tenant.agents();
        if (agentKey == null || agentKey.isBlank()) {
            return agents.stream().findFirst();
        }
        return agents.stream().filter(a -> agentKey.equals(a.agentKey())).findFirst();
    }
}
