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
}
