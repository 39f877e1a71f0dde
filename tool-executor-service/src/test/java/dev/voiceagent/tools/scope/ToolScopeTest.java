package dev.voiceagent.tools.scope;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.ToolName;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ToolScopeTest {

    static TenantConfigPublished tenant(boolean enabled, AgentView... agents) {
        return new TenantConfigPublished("acme", "Acme", enabled, List.of("+15555550000"), "UTC", null,
                List.of(), List.of(agents), 1);
    }

    static final AgentView SUPPORT = new AgentView("support", "support-v2", List.of("lookup", "callback"), null);
    static final AgentView DEFAULT = new AgentView("default", "default-v1", List.of("noop"), null);

    @Test
    void allowsAToolInTheAgentVersionsAllowedTools() {
        var decision = ToolScope.check(Optional.of(tenant(true, SUPPORT, DEFAULT)), "support-v2", "lookup");
        assertThat(decision).isEqualTo(new ToolScope.Allowed(ToolName.LOOKUP, SUPPORT));
    }

    @Test
    void deniesAToolOutsideAllowedToolsWithASpeakableReason() {
        var decision = ToolScope.check(Optional.of(tenant(true, SUPPORT)), "support-v2", "sms");
        assertThat(decision).isInstanceOf(ToolScope.Denied.class);
        assertThat(((ToolScope.Denied) decision).reason()).contains("not allowed to use sms");
    }

    @Test
    void fallsBackToTheDefaultAgentWhenTheVersionIsUnknown() {
        var tenant = Optional.of(tenant(true, SUPPORT, DEFAULT));
        assertThat(ToolScope.check(tenant, "retired-version", "noop")).isInstanceOf(ToolScope.Allowed.class);
        assertThat(ToolScope.check(tenant, null, "lookup")).isInstanceOf(ToolScope.Denied.class);
    }

    @Test
    void fallsBackToTheOnlyAgent() {
        assertThat(ToolScope.check(Optional.of(tenant(true, SUPPORT)), null, "callback"))
                .isInstanceOf(ToolScope.Allowed.class);
    }

    @Test
    void deniesWhenNoAgentCanBeResolved() {
        var other = new AgentView("sales", "sales-v1", List.of("lookup"), null);
        assertThat(ToolScope.check(Optional.of(tenant(true, SUPPORT, other)), "unknown", "lookup"))
                .isInstanceOf(ToolScope.Denied.class);
    }

    @Test
    void deniesUnknownAndDisabledTenantsAndUnknownTools() {
        assertThat(ToolScope.check(Optional.empty(), "support-v2", "lookup")).isInstanceOf(ToolScope.Denied.class);
        assertThat(ToolScope.check(Optional.of(tenant(false, SUPPORT)), "support-v2", "lookup"))
                .isInstanceOf(ToolScope.Denied.class);
        var unknownTool = ToolScope.check(Optional.of(tenant(true, SUPPORT)), "support-v2", "transfer_money");
        assertThat(((ToolScope.Denied) unknownTool).reason()).contains("'transfer_money'");
    }

    static final AgentView ROLLING = new AgentView("billing", "billing-v1", List.of("lookup"), null,
            List.of(new TenantConfigPublished.VersionView("billing-v2", List.of("lookup", "sms", "callback"),
                    List.of(new TenantConfigPublished.IntentView("balance", "resolvable", List.of("lookup"), null),
                            new TenantConfigPublished.IntentView("dispute", "must_transfer", List.of("callback"),
                                    "billing_desk")),
                    List.of(), null, null, null, List.of(), null)),
            TenantConfigPublished.Rollout.NONE);

    @Test
    void eachVersionHasItsOwnToolSet() {
        var tenant = Optional.of(tenant(true, ROLLING));
        assertThat(ToolScope.check(tenant, "billing-v2", "sms")).isInstanceOf(ToolScope.Allowed.class);
        assertThat(ToolScope.check(tenant, "billing-v1", "sms")).isInstanceOf(ToolScope.Denied.class);
    }

    @Test
    void anIntentTheContractNamesOnlyGetsItsOwnTools() {
        var tenant = Optional.of(tenant(true, ROLLING));
        assertThat(ToolScope.check(tenant, "billing-v2", "balance", "lookup")).isInstanceOf(ToolScope.Allowed.class);
        assertThat(ToolScope.check(tenant, "billing-v2", "balance", "callback")).isInstanceOf(ToolScope.Denied.class);
        assertThat(ToolScope.check(tenant, "billing-v2", "dispute", "lookup")).isInstanceOf(ToolScope.Denied.class);
        assertThat(ToolScope.check(tenant, "billing-v2", "small_talk", "sms")).isInstanceOf(ToolScope.Allowed.class);
    }
}
