package dev.voiceagent.config.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;
import tools.jackson.databind.json.JsonMapper;

class RolloutPolicyTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void tenPercentCanaryOverTenThousandCallersStaysWithinOneAndAHalfPercent() {
        RolloutPolicy policy = RolloutPolicy.of(List.of(new RolloutPolicy.Split("a-v2", 10),
                new RolloutPolicy.Split("a-v1", 90)), null);
        int canary = 0;
        for (int i = 0; i < 10_000; i++) {
            if (policy.choose("a", String.format("+1555%07d", i)).equals("a-v2")) {
                canary++;
            }
        }
        assertThat(canary).isBetween(850, 1150);
        assertThat(policy.servedVersionId()).isEqualTo("a-v1");
    }

    @Test
    void callerStaysOnTheSameVersionAndKeepsItWhenTheCanaryGrows() {
        RolloutPolicy ten = RolloutPolicy.of(List.of(new RolloutPolicy.Split("a-v2", 10),
                new RolloutPolicy.Split("a-v1", 90)), null);
        RolloutPolicy fifty = RolloutPolicy.of(List.of(new RolloutPolicy.Split("a-v2", 50),
                new RolloutPolicy.Split("a-v1", 50)), null);
        for (int i = 0; i < 2_000; i++) {
            String caller = String.format("+1444%07d", i);
            assertThat(ten.choose("a", caller)).isEqualTo(ten.choose("a", caller));
            if (ten.choose("a", caller).equals("a-v2")) {
                assertThat(fifty.choose("a", caller)).isEqualTo("a-v2");
            }
        }
    }

    @Test
    void pinTakesEveryCall() {
        RolloutPolicy pinned = RolloutPolicy.of(List.of(new RolloutPolicy.Split("a-v1", 100)), "a-v3");
        assertThat(pinned.choose("a", "+15555550100")).isEqualTo("a-v3");
        assertThat(pinned.servedVersionId()).isEqualTo("a-v3");
    }

    @Test
    void rejectsSplitsThatDoNotAddUpTo100() {
        assertThatThrownBy(() -> RolloutPolicy.parse(JSON.readTree(
                "{\"splits\":[{\"agent_version_id\":\"a-v1\",\"percent\":60},{\"agent_version_id\":\"a-v2\",\"percent\":30}]}")))
                .isInstanceOfSatisfying(ErrorResponseException.class,
                        e -> assertThat(e.getBody().getDetail()).startsWith("splits:"));
    }

    @Test
    void storedPolicyReadsBack() {
        RolloutPolicy policy = RolloutPolicy.of(List.of(new RolloutPolicy.Split("a-v1", 12.5),
                new RolloutPolicy.Split("a-v2", 87.5)), null);
        JsonMapper snake = JsonMapper.builder()
                .propertyNamingStrategy(tools.jackson.databind.PropertyNamingStrategies.SNAKE_CASE).build();
        assertThat(RolloutPolicy.fromJson(snake.readTree(snake.writeValueAsString(policy)))).isEqualTo(policy);
    }

    @Test
    void callerPinsAndStickinessReadBackAndDecide() {
        RolloutPolicy policy = RolloutPolicy.parse(JSON.readTree("""
                {"splits":[{"agent_version_id":"a-v1","percent":100}],"sticky_by_caller":false,
                 "pins":{"+15555550100":"a-v2"}}"""));
        assertThat(policy.choose("a", "+15555550100")).isEqualTo("a-v2");
        assertThat(policy.choose("a", "+15555550101")).isEqualTo("a-v1");
        assertThat(policy.versionIds()).containsExactly("a-v1", "a-v2");
        assertThat(policy.toRollout().stickyByCaller()).isFalse();
        assertThat(policy.shareOf("a-v2")).isZero();
        JsonMapper snake = JsonMapper.builder()
                .propertyNamingStrategy(tools.jackson.databind.PropertyNamingStrategies.SNAKE_CASE).build();
        assertThat(RolloutPolicy.fromJson(snake.readTree(snake.writeValueAsString(policy)))).isEqualTo(policy);
    }

    @Test
    void rejectsAPinThatIsNotACallerNumber() {
        assertThatThrownBy(() -> RolloutPolicy.parse(JSON.readTree(
                "{\"splits\":[{\"agent_version_id\":\"a-v1\",\"percent\":100}],\"pins\":{\"555\":\"a-v2\"}}")))
                .isInstanceOfSatisfying(ErrorResponseException.class,
                        e -> assertThat(e.getBody().getDetail()).startsWith("pins.555:"));
    }

    @Test
    void onlyAVersionGrowingPastTheCanaryCapNeedsAGate() {
        RolloutPolicy current = RolloutPolicy.single("a-v1");
        RolloutPolicy canary = RolloutPolicy.of(List.of(new RolloutPolicy.Split("a-v2", 10),
                new RolloutPolicy.Split("a-v1", 90)), null);
        RolloutPolicy half = RolloutPolicy.of(List.of(new RolloutPolicy.Split("a-v2", 50),
                new RolloutPolicy.Split("a-v1", 50)), null);
        assertThat(canary.needingGate(List.of(current), 1_000)).isEmpty();
        assertThat(half.needingGate(List.of(canary, current), 1_000)).containsExactly("a-v2");
        assertThat(RolloutPolicy.single("a-v1").needingGate(List.of(half, canary, current), 1_000)).isEmpty();
        assertThat(RolloutPolicy.single("a-v2").needingGate(List.of(half, canary, current), 1_000))
                .containsExactly("a-v2");
        assertThat(RolloutPolicy.of(List.of(new RolloutPolicy.Split("a-v1", 100)), "a-v3")
                .needingGate(List.of(current), 1_000)).containsExactly("a-v3");
        assertThat(half.fieldOf("a-v2")).isEqualTo("splits[0]");
    }
}
