package dev.voiceagent.gateway.testing;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.support.tenant.ApiKeys;
import java.util.List;

/** Tenant views for tests, as the config service would publish them. */
public final class Tenants {

    private Tenants() {
    }

    public static TenantConfigPublished tenant(String id, String apiKey, String number, boolean enabled) {
        return new TenantConfigPublished(id, id + " Inc.", enabled, List.of(number), "UTC",
                new TenantConfigPublished.RuntimeConfig("gpt-realtime", "alloy", "support_default", 1, "Be brief.",
                        null, "en", null),
                List.of(ApiKeys.hash(apiKey)),
                List.of(new AgentView("support", id + "-support-v1", List.of("lookup", "noop"), null),
                        new AgentView("sales", id + "-sales-v3", List.of("noop"), null)),
                1);
    }
}
