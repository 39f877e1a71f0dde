package dev.voiceagent.config.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.config.runtime.RuntimeConfigView;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.support.tenant.RolloutSelector;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class AgentViewsTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    static AgentContract contract(String tools) {
        return AgentContract.parse(JSON.readTree("""
                {"intents":[
                  {"name":"balance","class":"resolvable","tools":[%s]},
                  {"name":"complaint","class":"must_transfer","tools":["escalation"],"handoff_target":"care"}],
                 "limits":{"payment":"refuse","confidence_threshold":0.7},
                 "handoff":{"targets":[{"name":"care","phone_number":"+15555550199"}],
                            "business_hours":{"time_zone":"America/New_York","days":{"fri":"09:00-13:00","mon":"09:00-17:00"}},
                            "out_of_hours":"transfer"}}""".formatted(tools)));
    }

    @Test
    void viewCarriesEachVersionsScopeAndTheRollout() {
        RolloutPolicy policy = RolloutPolicy.of(List.of(new RolloutPolicy.Split("s-v2", 10),
                new RolloutPolicy.Split("s-v1", 90)), null);
        TenantConfigPublished.AgentView view = AgentViews.view("s", policy, List.of(
                new AgentViews.StoredVersion("s", "s-v2", contract("\"lookup\",\"sms\""), runtime("verse", 2, "Two.")),
                new AgentViews.StoredVersion("s", "s-v1", contract("\"lookup\""), runtime("alloy", 1, "One."))));

        assertThat(view.agentVersionId()).isEqualTo("s-v1");
        assertThat(view.allowedTools()).containsExactly("lookup", "escalation");
        assertThat(view.allowedToolsOf("s-v2")).containsExactly("lookup", "sms", "escalation");
        assertThat(view.rollout().splits()).extracting(TenantConfigPublished.Split::agentVersionId)
                .containsExactly("s-v2", "s-v1");
        TenantConfigPublished.VersionView v2 = view.version("s-v2").orElseThrow();
        assertThat(v2.intents().get(1)).isEqualTo(new TenantConfigPublished.IntentView("complaint", "must_transfer",
                List.of("escalation"), "care"));
        assertThat(v2.businessHours().windows()).containsExactly(
                new TenantConfigPublished.Window("mon", "09:00", "17:00"),
                new TenantConfigPublished.Window("fri", "09:00", "13:00"));
        assertThat(v2.outOfHours()).isEqualTo("transfer");
        assertThat(v2.limits().payment()).isEqualTo("refuse");
        assertThat(v2.limits().confidenceThreshold()).isEqualTo(0.7);
        assertThat(v2.fallbackDestination()).isEqualTo("+15555550199");

        assertThat(v2.runtimeConfig().voice()).isEqualTo("verse");
        assertThat(v2.runtimeConfig().promptVersion()).isEqualTo(2);
        assertThat(v2.runtimeConfig().instructions()).isEqualTo("Two.");
        assertThat(v2.runtimeConfig().limits().maxToolCalls()).isEqualTo(5);
        TenantConfigPublished.RuntimeConfig current = AgentViews.runtimeConfig(
                new RuntimeConfigView("gpt-realtime", "ash", "support_default", null, null, null, null, Map.of(), 3, null),
                3, "Three.");
        assertThat(view.runtimeConfigOf("s-v1", current).voice()).as("a version keeps the voice it was cut with")
                .isEqualTo("alloy");
        assertThat(view.runtimeConfigOf("s-v7", current)).as("a version the view lacks").isEqualTo(current);

        String caller = "+15555550123";
        assertThat(RolloutSelector.select(view, caller).agentVersionId()).isEqualTo(policy.choose("s", caller));
    }

    private static TenantConfigPublished.RuntimeConfig runtime(String voice, int promptVersion, String prompt) {
        return AgentViews.runtimeConfig(new RuntimeConfigView("gpt-realtime", voice, "support_default", null, null, "en-US",
                null, Map.of("max_tool_calls", 5), promptVersion, null), promptVersion, prompt);
    }

    @Test
    void anAgentWhoseServedVersionIsMissingIsLeftOut() {
        assertThat(AgentViews.view("s", RolloutPolicy.single("s-v9"), List.of())).isNull();
    }
}
