package dev.voiceagent.tools;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import java.util.List;

/** Builds tenant views for tests in one place, so a change of the view contract touches one file. */
final class TestTenants {

    static final List<String> ALL_TOOLS = List.of("lookup", "sms", "scheduling", "escalation", "callback",
            "evaluation", "noop", "send_dtmf");

    private TestTenants() {
    }

    static AgentView agent(String key, String versionId, List<String> tools, String fallbackDestination) {
        return new AgentView(key, versionId, tools, fallbackDestination);
    }

    static TenantConfigPublished tenant(String tenantId, String number, String timeZone, AgentView... agents) {
        return new TenantConfigPublished(tenantId, tenantId, true, List.of(number), timeZone, null, List.of(),
                List.of(agents), 1);
    }

    /** A tenant whose runtime config names an on-call number for SLA alerts. */
    static TenantConfigPublished withOnCallNumber(String tenantId, String number, String onCallNumber) {
        var runtime = new TenantConfigPublished.RuntimeConfig("m", "v", "p", 1, "i", null, "en", null, null,
                onCallNumber);
        return new TenantConfigPublished(tenantId, tenantId, true, List.of(number), "UTC", runtime, List.of(),
                List.of(), 1);
    }
}
