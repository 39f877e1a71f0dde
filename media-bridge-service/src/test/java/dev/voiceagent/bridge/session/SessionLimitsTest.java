package dev.voiceagent.bridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.bridge.support.BridgeProperties;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.TenantConfigPublished.CallLimits;
import dev.voiceagent.contracts.TenantConfigPublished.TenantLimits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionLimitsTest {

    private static final BridgeProperties.Idle IDLE = BridgeProperties.Idle.defaults();

    private static TenantConfigPublished.RuntimeConfig runtime(CallLimits limits) {
        return new TenantConfigPublished.RuntimeConfig("gpt-realtime", "alloy", "support_default", 1, "Prompt.", null,
                null, null, limits);
    }

    private static AgentView agentWithVersion(CallLimits versionLimits) {
        return new AgentView("support", "support-v1", List.of("lookup"), null,
                List.of(new TenantConfigPublished.VersionView("support-v2", List.of("lookup"), List.of(), List.of(),
                        null, null, null, List.of(), null, runtime(versionLimits))),
                TenantConfigPublished.Rollout.NONE);
    }

    private static TenantConfigPublished tenant(CallLimits current, TenantLimits tenantLimits, AgentView agent) {
        return new TenantConfigPublished("demo", "Demo", true, List.of("+15555550000"), "UTC", runtime(current),
                List.of(), List.of(agent), 1, tenantLimits);
    }

    @Test
    void unsetLimitsFallBackToTheBridgesIdleDefaultsAndNoLimit() {
        AgentView agent = agentWithVersion(CallLimits.NONE);
        SessionLimits limits = SessionLimits.of(tenant(CallLimits.NONE, TenantLimits.NONE, agent), agent,
                "support-v1", IDLE);

        assertThat(limits).isEqualTo(new SessionLimits(IDLE.promptAfter(), IDLE.maxPrompts(), null, null));
    }

    @Test
    void aVersionsOwnRuntimeConfigLimitsWinOverTheTenantsCurrentOnes() {
        AgentView agent = agentWithVersion(new CallLimits(600, 5, 4, 0));
        var tenant = tenant(new CallLimits(120, 20, 30, 3), TenantLimits.NONE, agent);

        assertThat(SessionLimits.of(tenant, agent, "support-v2", IDLE))
                .isEqualTo(new SessionLimits(Duration.ofSeconds(4), 0, Duration.ofSeconds(600), 5));
        assertThat(SessionLimits.of(tenant, agent, "support-v1", IDLE)).as("a version the view does not carry")
                .isEqualTo(new SessionLimits(Duration.ofSeconds(30), 3, Duration.ofSeconds(120), 20));
    }

    @Test
    void theCallsMaximumDurationIsTheStricterOfTheRuntimeConfigsAndTheTenants() {
        AgentView agent = agentWithVersion(CallLimits.NONE);

        assertThat(SessionLimits.of(tenant(new CallLimits(300, null, null, null), new TenantLimits(null, null, 60),
                agent), agent, "support-v1", IDLE).maxCallDuration()).isEqualTo(Duration.ofSeconds(60));
        assertThat(SessionLimits.of(tenant(new CallLimits(45, null, null, null), new TenantLimits(null, null, 60),
                agent), agent, "support-v1", IDLE).maxCallDuration()).isEqualTo(Duration.ofSeconds(45));
        assertThat(SessionLimits.of(tenant(CallLimits.NONE, new TenantLimits(null, null, 90), agent), agent,
                "support-v1", IDLE).maxCallDuration()).isEqualTo(Duration.ofSeconds(90));
    }
}
