package dev.voiceagent.bridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.bridge.realtime.RealtimeProperties;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionSetupTest {

    private static final AgentView AGENT = new AgentView("support", "support-v1", List.of("lookup"), null,
            List.of(new TenantConfigPublished.VersionView("support-v2", List.of("lookup", "callback"), List.of(),
                    List.of(), null, null, null, List.of(), null, new TenantConfigPublished.RuntimeConfig(
                            "gpt-realtime", "alloy", "support_default", 1, "Version two's prompt.", null, null,
                            "Hello from version two.", null))),
            TenantConfigPublished.Rollout.NONE);
    private static final TenantConfigPublished TENANT = new TenantConfigPublished("demo", "Demo", true,
            List.of("+15555550000"), "UTC", new TenantConfigPublished.RuntimeConfig("gpt-realtime", "verse",
                    "support_default", 2, "The current prompt.", null, null, null, null), List.of(), List.of(AGENT), 1);
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

    @Test
    void aVersionKeepsTheRuntimeConfigItWasCutWithAndOtherCallsTakeTheTenantsCurrentOne() {
        SessionSetup v2 = SessionSetup.of(TENANT, AGENT, "support-v2", REALTIME);
        assertThat(v2.voice()).isEqualTo("alloy");
        assertThat(v2.update().instructions()).isEqualTo("Version two's prompt.");
        assertThat(v2.greeting()).isEqualTo("Hello from version two.");
        SessionSetup unversioned = SessionSetup.of(TENANT, AGENT, "support-v1", REALTIME);
        assertThat(unversioned.voice()).isEqualTo("verse");
        assertThat(unversioned.update().instructions()).isEqualTo("The current prompt.");
        assertThat(unversioned.greeting()).isNull();
    }

    @Test
    void theAgentMayReportOnlyTheIntentsOfItsVersionsContract() {
        var intents = List.of(new TenantConfigPublished.IntentView("billing_question", "resolvable", List.of("lookup"),
                null), new TenantConfigPublished.IntentView("dispute", "must_transfer", List.of("callback"), null));
        var agent = new AgentView("support", "support-v1", List.of("lookup"), null, List.of(
                new TenantConfigPublished.VersionView("support-v2", List.of("lookup", "callback"), intents, List.of(),
                        null, null, null, List.of(), null)), TenantConfigPublished.Rollout.NONE);

        assertThat(intentSchema(SessionSetup.of(TENANT, agent, "support-v2", REALTIME)))
                .containsEntry("enum", List.of("billing_question", "dispute"));
        assertThat(intentSchema(SessionSetup.of(TENANT, agent, "support-v1", REALTIME))).as("no intents known: free text")
                .doesNotContainKey("enum").containsEntry("type", "string");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> intentSchema(SessionSetup setup) {
        var updateSession = setup.update().tools().stream().filter(tool -> tool.name().equals("update_session"))
                .findFirst().orElseThrow();
        var properties = (Map<String, Object>) updateSession.parameters().get("properties");
        return (Map<String, Object>) properties.get("intent");
    }

    private static List<String> names(SessionSetup setup) {
        return setup.update().tools().stream().map(tool -> tool.name()).toList();
    }
}
