package dev.voiceagent.bridge.session;

import dev.voiceagent.bridge.support.BridgeProperties;
import java.util.HashMap;
import java.util.Map;

/**
 * The clips of this instance the bridge plays by itself, loaded once: the fallback clip before a hand-over and the
 * callback clip after a hand-over that became a callback, each the standard one or a tenant's own.
 */
public record FallbackPrompts(FallbackPrompt standard, Map<String, FallbackPrompt> byTenant,
                              FallbackPrompt callback, Map<String, FallbackPrompt> callbackByTenant) {

    public FallbackPrompts {
        byTenant = Map.copyOf(byTenant);
        callbackByTenant = Map.copyOf(callbackByTenant);
    }

    /** Loads the configured clips; a tenant's clip that is missing or empty fails the start, not a call. */
    public static FallbackPrompts load(BridgeProperties.Resilience resilience) {
        return new FallbackPrompts(FallbackPrompt.load(resilience.fallbackPrompt()),
                tenantClips("fallback", resilience.tenantFallbackPrompts()),
                FallbackPrompt.load(resilience.callbackPrompt()),
                tenantClips("callback", resilience.tenantCallbackPrompts()));
    }

    private static Map<String, FallbackPrompt> tenantClips(String kind, Map<String, String> resources) {
        Map<String, FallbackPrompt> byTenant = new HashMap<>();
        resources.forEach((tenant, resource) -> {
            FallbackPrompt prompt = FallbackPrompt.load(resource);
            if (prompt.frames().isEmpty()) {
                throw new IllegalStateException(kind + " prompt " + resource + " of tenant " + tenant
                        + " is missing or empty");
            }
            byTenant.put(tenant, prompt);
        });
        return byTenant;
    }

    /** The clip played before a hand-over: "let me get someone to help you". */
    public FallbackPrompt forTenant(String tenantId) {
        return byTenant.getOrDefault(tenantId, standard);
    }

    /** The clip played once a hand-over became a callback: "a colleague will call you back", then the call ends. */
    public FallbackPrompt callbackFor(String tenantId) {
        return callbackByTenant.getOrDefault(tenantId, callback);
    }
}
