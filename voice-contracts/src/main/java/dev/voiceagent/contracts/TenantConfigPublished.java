package dev.voiceagent.contracts;

import java.util.List;

/**
 * The config service's published view of one tenant (compacted topic, keyed by tenant id): everything the
 * gateway and the bridge need on the call path, so that no call waits on a synchronous config lookup.
 */
public record TenantConfigPublished(String tenantId, String displayName, boolean enabled,
                                    List<String> phoneNumbers, String timeZone, RuntimeConfig runtimeConfig,
                                    List<String> apiKeyHashes, List<AgentView> agents, long revision)
        implements VoiceEvent {

    /** Model settings for the tenant's calls; {@code instructions} is the resolved prompt text. */
    public record RuntimeConfig(String model, String voice, String systemPromptKey, int promptVersion,
                                String instructions, String webhookUrl, String language, String greeting) {
    }

    /** An agent and the version the rollout currently serves, with the tools its contract allows. */
    public record AgentView(String agentKey, String agentVersionId, List<String> allowedTools,
                            String fallbackDestination) {
    }
}
