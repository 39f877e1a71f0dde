package dev.voiceagent.bridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.bridge.realtime.RealtimeProperties;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionSetupTest {

    private static final AgentView AGENT = new AgentView("support", "support-v1", List.of("lookup"), null,
            List.of(new TenantConfigPublished.VersionView("support-v2", List.of("lookup", "callback"), List.of(),
                    List.of(), null, null, null, List.of(), null)),
            TenantConfigPublished.Rollout.NONE);
    private static final TenantConfigPublished TENANT = new TenantConfigPublished("demo", "Demo", true,
            List.of("+15555550000"), "UTC", null, List.of(), List.of(AGENT), 1);
    private static final RealtimeProperties REALTIME = new RealtimeProperties(URI.create("ws://localhost/v1/realtime"),
            "key", "gpt-realtime", "alloy", "gpt-4o-mini-transcribe", Duration.ofSeconds(10), Duration.ofSeconds(2),
            1 << 20);

    @Test
    void theModelIsOfferedTheToolsOfTheCallsVersion() {
        assertThat(names(SessionSetup.of(TENANT, AGENT, "support-v2", REALTIME))).contains("lookup", "callback");
        assertThat(names(SessionSetup.of(TENANT, AGENT, "support-v1", REALTIME))).contains("lookup")
                .doesNotContain("callback");
        assertThat(names(SessionSetup.of(TENANT, AGENT, "retired", REALTIME))).doesNotContain("callback");
    }

    private static List<String> names(SessionSetup setup) {
        return setup.update().tools().stream().map(tool -> tool.name()).toList();
    }
}
