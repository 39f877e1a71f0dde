package dev.voiceagent.tools.scope;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.ToolName;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a tool may run for a request: the tenant must be known and enabled, the agent serving the
 * call must be found in the tenant's view, and the tool must be in the allowed set of the call's agent version
 * — narrowed to the current intent's tools when the version's contract lists that intent. Every refusal carries
 * a sentence the model can say to the caller.
 */
public final class ToolScope {

    /** Agent key used when a request names no version the view knows. */
    public static final String DEFAULT_AGENT_KEY = "default";

    private ToolScope() {
    }

    /** Allowed, with the resolved tool and agent, or denied with a speakable reason. */
    public sealed interface Decision {
    }

    /** The tool may run. */
    public record Allowed(ToolName tool, AgentView agent) implements Decision {
    }

    /** The tool may not run; {@code reason} is said to the caller. */
    public record Denied(String reason) implements Decision {
    }

    public static Decision check(Optional<TenantConfigPublished> tenant, String agentVersionId, String toolName) {
        return check(tenant, agentVersionId, null, toolName);
    }

    /** As {@link #check(Optional, String, String)}, within the tools the contract gives {@code intent}. */
    public static Decision check(Optional<TenantConfigPublished> tenant, String agentVersionId, String intent,
                                 String toolName) {
        Optional<ToolName> tool = ToolName.find(toolName);
        if (tool.isEmpty()) {
            return new Denied("I don't have a tool called " + quoted(toolName) + ", so I can't do that.");
        }
        if (tenant.isEmpty() || !tenant.get().enabled()) {
            return new Denied("I can't use " + tool.get().wire() + " on this line right now.");
        }
        Optional<AgentView> agent = agentFor(tenant.get(), agentVersionId);
        if (agent.isEmpty()) {
            return new Denied("I'm not set up to use " + tool.get().wire() + " in this conversation.");
        }
        List<String> allowed = allowedTools(agent.get(), agentVersionId);
        if (!allowed.contains(tool.get().wire())) {
            return new Denied("I'm not allowed to use " + tool.get().wire()
                    + " in this conversation, so I can't do that for you.");
        }
        if (!intentAllows(agent.get(), agentVersionId, intent, tool.get().wire())) {
            return new Denied("I can't use " + tool.get().wire() + " for this kind of request, so I can't do that.");
        }
        return new Allowed(tool.get(), agent.get());
    }

    /** The version's tool set (the default version's when the view does not describe the requested one). */
    static List<String> allowedTools(AgentView agent, String agentVersionId) {
        List<String> tools = agentVersionId == null ? agent.allowedTools() : agent.allowedToolsOf(agentVersionId);
        return tools == null ? List.of() : tools;
    }

    /** An intent the version's contract names allows only its own tools; unnamed intents are not narrowed. */
    static boolean intentAllows(AgentView agent, String agentVersionId, String intent, String tool) {
        if (intent == null || agentVersionId == null) {
            return true;
        }
        return agent.version(agentVersionId)
                .flatMap(version -> version.intents().stream().filter(i -> intent.equals(i.name())).findFirst())
                .map(i -> i.tools() == null || i.tools().contains(tool))
                .orElse(true);
    }

    /**
     * The agent whose version the request names; failing that (no version, or a version the rollout no longer
     * serves) the tenant's {@code default} agent, or its only agent.
     */
    public static Optional<AgentView> agentFor(TenantConfigPublished tenant, String agentVersionId) {
        List<AgentView> agents = tenant.agents() == null ? List.of() : tenant.agents();
        if (agentVersionId != null) {
            Optional<AgentView> exact = agents.stream()
                    .filter(a -> agentVersionId.equals(a.agentVersionId()) || a.version(agentVersionId).isPresent())
                    .findFirst();
            if (exact.isPresent()) {
                return exact;
            }
        }
        Optional<AgentView> byDefaultKey = agents.stream()
                .filter(a -> DEFAULT_AGENT_KEY.equals(a.agentKey())).findFirst();
        if (byDefaultKey.isPresent()) {
            return byDefaultKey;
        }
        return agents.size() == 1 ? Optional.of(agents.get(0)) : Optional.empty();
    }

    private static String quoted(String name) {
        return name == null || name.isBlank() ? "that" : "'" + name + "'";
    }
}
