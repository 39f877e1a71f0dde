package dev.voiceagent.config.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.LaunchGateEvaluated;
import dev.voiceagent.contracts.LaunchGateEvaluated.Criterion;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class GateResultsTest {

    @Test
    void aFailedGateNamesOnlyItsFailedCriteria() {
        assertThat(GateResults.detail(gate(false, List.of(new Criterion("min_sessions", true, "3", "3", "3 sessions"),
                new Criterion("min_pass_rate", false, "0.95", "0.5", "pass rate 0.5 < 0.95")))))
                .isEqualTo("gate launch failed: min_pass_rate: pass rate 0.5 < 0.95");
    }

    @Test
    void aPassedGateNamesEveryCriterionAndALongDetailIsCut() {
        assertThat(GateResults.detail(gate(true, List.of(new Criterion("min_sessions", true, "3", "3", "3 sessions")))))
                .isEqualTo("gate launch passed: min_sessions: 3 sessions");
        assertThat(GateResults.detail(gate(true, List.of(new Criterion("x", true, null, null, "y".repeat(2_000))))))
                .hasSize(1_000).endsWith("…");
    }

    private static LaunchGateEvaluated gate(boolean passed, List<Criterion> criteria) {
        return new LaunchGateEvaluated("gate_1", "support", "support-v2", "launch", passed, Instant.EPOCH, null, null,
                false, criteria, null);
    }
}
