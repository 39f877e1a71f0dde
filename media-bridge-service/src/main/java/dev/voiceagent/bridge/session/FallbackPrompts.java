package dev.voiceagent.bridge.session;

import dev.voiceagent.bridge.support.BridgeProperties;
import java.util.HashMap;
import java.util.Map;

/** The fallback clips of this instance, loaded once: the standard one and the tenants' own. */
public record FallbackPrompts(FallbackPrompt standard, Map<String, FallbackPrompt> byTenant) {

    public FallbackPrompts {
        byTenant = Map.copyOf(byTenant);
    }

    /** Loads the configured clips; a tenant's clip that is missing or empty fails the start, not a call. */
    public static FallbackPrompts load(BridgeProperties.Resilience resilience) {
        Map<String, FallbackPrompt> byTenant = new HashMap<>();
        resilience.tenantFallbackPrompts().forEach((tenant, resource) -> {
            FallbackPrompt prompt = FallbackPrompt.load(resource);
            if (prompt.frames().isEmpty()) {
                throw new IllegalStateException("fallback prompt " + resource + " of tenant " + tenant
                        + " is missing or empty");
            }
            byTenant.put(tenant, prompt);
        });
        return new FallbackPrompts(FallbackPrompt.load(resilience.fallbackPrompt()), byTenant);
    }

    public FallbackPrompt forTenant(String tenantId) {
        return byTenant.getOrDefault(tenantId, standard);
    }
}
