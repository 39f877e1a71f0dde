package dev.voiceagent.gateway.testing;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.support.tenant.ApiKeys;
import java.util.List;

/** Tenant views for tests, as the config service would publish them. */
public final class Tenants {

    /** A number the sales agent's rollout pins to its canary version. */
    public static final String PINNED_CALLEE = "+15555550177";

    private Tenants() {
    }

    private static TenantConfigPublished.VersionView canary(String versionId) {
        return new TenantConfigPublished.VersionView(versionId, List.of("noop"), List.of(), List.of(), null, null,
                null, List.of(), null);
    }

    /**
     * A tenant whose default agent, {@code support}, serves inbound calls by {@code rollout}: its default version is
     * {@code <id>-support-v1}, and the view also describes {@code -v2} and {@code -v3}.
     */
    public static TenantConfigPublished withSupportRollout(String id, String apiKey, String number,
                                                           TenantConfigPublished.Rollout rollout) {
        TenantConfigPublished plain = tenant(id, apiKey, number, true);
        AgentView support = new AgentView("support", id + "-support-v1", List.of("lookup", "noop"), null,
                List.of(canary(id + "-support-v2"), canary(id + "-support-v3")), rollout);
        return new TenantConfigPublished(plain.tenantId(), plain.displayName(), true, plain.phoneNumbers(),
                plain.timeZone(), plain.runtimeConfig(), plain.apiKeyHashes(),
                java.util.stream.Stream.concat(java.util.stream.Stream.of(support), plain.agents().stream().skip(1))
                        .toList(),
                plain.revision());
    }

    public static TenantConfigPublished tenant(String id, String apiKey, String number, boolean enabled) {
        return new TenantConfigPublished(id, id + " Inc.", enabled, List.of(number), "UTC",
                new TenantConfigPublished.RuntimeConfig("gpt-realtime", "alloy", "support_default", 1, "Be brief.",
                        null, "en", null),
                List.of(ApiKeys.hash(apiKey)),
                List.of(new AgentView("support", id + "-support-v1", List.of("lookup", "noop"), null),
                        new AgentView("sales", id + "-sales-v3", List.of("noop"), null, List.of(canary(id + "-sales-v4")),
                                new TenantConfigPublished.Rollout(List.of(), true,
                                        java.util.Map.of(PINNED_CALLEE, id + "-sales-v4"), null))),
                1);
    }
}
