package dev.voiceagent.support.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.TenantConfigPublished.Rollout;
import dev.voiceagent.contracts.TenantConfigPublished.Split;
import dev.voiceagent.contracts.TenantConfigPublished.VersionView;
import dev.voiceagent.support.tenant.RolloutSelector.Reason;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutSelectorTest {

    static Rollout canary(double percent) {
        return new Rollout(List.of(new Split("a-v2", percent), new Split("a-v1", 100 - percent)), true, Map.of(), null);
    }

    static String choose(Rollout rollout, String caller) {
        return RolloutSelector.select("a", rollout, "a-v1", caller).agentVersionId();
    }

    @Test
    void tenPercentCanaryOverTenThousandCallersStaysWithinOneAndAHalfPercent() {
        int canary = 0;
        for (int i = 0; i < 10_000; i++) {
            if (choose(canary(10), String.format("+1555%07d", i)).equals("a-v2")) {
                canary++;
            }
        }
        assertThat(canary).isBetween(850, 1150);
    }

    @Test
    void callerStaysOnTheSameVersionAndKeepsItWhenTheCanaryGrows() {
        for (int i = 0; i < 2_000; i++) {
            String caller = String.format("+1444%07d", i);
            String first = choose(canary(10), caller);
            assertThat(choose(canary(10), caller)).isEqualTo(first);
            if (first.equals("a-v2")) {
                assertThat(choose(canary(50), caller)).isEqualTo("a-v2");
            }
        }
    }

    @Test
    void callerPinBeatsTheRolloutPinWhichBeatsTheSplits() {
        Rollout rollout = new Rollout(List.of(new Split("a-v1", 100)), true, Map.of("+15555550100", "a-v4"), "a-v3");
        assertThat(RolloutSelector.select("a", rollout, "a-v1", "+15555550100"))
                .isEqualTo(new RolloutSelector.Selection("a-v4", -1, Reason.CALLER_PIN));
        assertThat(RolloutSelector.select("a", rollout, "a-v1", "+15555550101").agentVersionId()).isEqualTo("a-v3");
    }

    @Test
    void noRolloutServesTheDefaultVersion() {
        AgentView legacy = new AgentView("default", "default-v1", List.of("noop"), null);
        assertThat(RolloutSelector.select(legacy, "+15555550100"))
                .isEqualTo(new RolloutSelector.Selection("default-v1", -1, Reason.DEFAULT));
    }

    @Test
    void withoutStickinessOrCallerABucketIsStillChosenFromTheSplits() {
        Rollout loose = new Rollout(canary(10).splits(), false, Map.of(), null);
        for (int i = 0; i < 100; i++) {
            var selection = RolloutSelector.select("a", loose, "a-v1", "+15555550100");
            assertThat(selection.reason()).isEqualTo(Reason.SPLIT);
            assertThat(selection.bucket()).isBetween(0, RolloutSelector.BUCKETS - 1);
            assertThat(selection.agentVersionId()).isIn("a-v1", "a-v2");
        }
        assertThat(choose(canary(10), null)).isIn("a-v1", "a-v2");
    }

    @Test
    void aRequestedVersionWinsOnlyWhenTheViewKnowsIt() {
        VersionView v3 = new VersionView("a-v3", List.of("lookup"), List.of(), List.of(), null, "callback", null,
                List.of(), "callback");
        AgentView agent = new AgentView("a", "a-v1", List.of("noop"), null, List.of(v3), canary(10));
        assertThat(RolloutSelector.select(agent, "+15555550100", "a-v3").reason()).isEqualTo(Reason.REQUESTED);
        assertThat(RolloutSelector.select(agent, "+15555550100", "a-v9").reason()).isEqualTo(Reason.SPLIT);
        assertThat(RolloutSelector.knows(agent, "a-v1")).isTrue();
    }

    @Test
    void bucketIsTheDocumentedHashSoEveryServiceAgrees() {
        // first 8 bytes of SHA-256("a:+15555550100") as unsigned, mod 10,000 — a fixed value other languages can check
        assertThat(RolloutSelector.bucket("a", "+15555550100")).isEqualTo(6841);
        assertThat(RolloutSelector.inBucket(canary(12.34).splits(), 1233, "x")).isEqualTo("a-v2");
        assertThat(RolloutSelector.inBucket(canary(12.34).splits(), 1234, "x")).isEqualTo("a-v1");
    }
}
