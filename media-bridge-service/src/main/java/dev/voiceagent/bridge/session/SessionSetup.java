package dev.voiceagent.bridge.session;

import dev.voiceagent.bridge.realtime.RealtimeClientEvent.SessionUpdate;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.Tracing;
import dev.voiceagent.bridge.realtime.RealtimeProperties;
import dev.voiceagent.bridge.tools.ToolCatalog;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import java.util.Locale;
import java.util.Optional;

/**
 * How a call's model session is configured, derived once from the tenant's runtime config and the agent: model,
 * voice, the {@code session.update} and the greeting. Shared by the media stream and the prewarm endpoint, so a
 * prewarmed session is configured exactly like one opened at stream start.
 */
public record SessionSetup(String model, String voice, SessionUpdate update, String greeting) {

    /**
     * The setup for the call's agent version: its own tool set (and its intents' names, for {@code update_session})
     * and the runtime config it was cut with when the view
     * describes that version (so a call keeps its voice and prompt whatever changes while it runs), else the
     * tenant's current runtime config.
     */
    public static SessionSetup of(TenantConfigPublished tenant, AgentView agent, String agentVersionId,
                                  RealtimeProperties realtime) {
        TenantConfigPublished.RuntimeConfig runtime = runtimeOf(tenant, agent, agentVersionId);
        String model = orDefault(runtime == null ? null : runtime.model(), realtime.defaultModel());
        String voice = orDefault(runtime == null ? null : runtime.voice(), realtime.defaultVoice());
        String language = runtime == null || runtime.language() == null || runtime.language().length() < 2 ? null
                : runtime.language().substring(0, 2).toLowerCase(Locale.ROOT);
        SessionUpdate update = new SessionUpdate(model, runtime == null ? null : runtime.instructions(), voice,
                realtime.transcriptionModel(), language, ToolCatalog.functionsFor(toolsOf(agent, agentVersionId),
                ContractGuard.intentNames(agent, agentVersionId)));
        String greeting = runtime == null || runtime.greeting() == null || runtime.greeting().isBlank() ? null
                : runtime.greeting();
        return new SessionSetup(model, voice, update, greeting);
    }

    /** The runtime config a call on {@code agentVersionId} runs with: its version's snapshot, else the tenant's. */
    static TenantConfigPublished.RuntimeConfig runtimeOf(TenantConfigPublished tenant, AgentView agent,
                                                         String agentVersionId) {
        return agent == null ? tenant.runtimeConfig() : agent.runtimeConfigOf(agentVersionId, tenant.runtimeConfig());
    }

    /**
     * The {@code session.update} for one call: traced under workflow {@code voice-agent <agent_key>}, grouped by
     * call SID (a reconnected session joins its call's group), with call SID, tenant, agent and version as metadata.
     */
    public SessionUpdate updateFor(CallContext call, String agentVersionId) {
        java.util.Map<String, String> metadata = new java.util.LinkedHashMap<>();
        metadata.put("call_sid", call.callSid());
        metadata.put("tenant_id", call.tenantId());
        metadata.put("agent_key", call.agentKey());
        if (agentVersionId != null) {
            metadata.put("agent_version_id", agentVersionId);
        }
        return update.traced(new Tracing("voice-agent " + call.agentKey(), call.callSid(), metadata));
    }

    /** The enabled tenant's agent by key. */
    public static Optional<AgentView> findAgent(TenantConfigPublished tenant, String agentKey) {
        return tenant.agents() == null ? Optional.empty()
                : tenant.agents().stream().filter(a -> agentKey.equals(a.agentKey())).findFirst();
    }

    static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    /** The tools of the call's version; the default version's when the call names none or one the view lacks. */
    public static java.util.List<String> toolsOf(AgentView agent, String agentVersionId) {
        java.util.List<String> tools = agentVersionId == null ? agent.allowedTools()
                : agent.allowedToolsOf(agentVersionId);
        return tools == null ? java.util.List.of() : tools;
    }
}
