package dev.voiceagent.evaluation.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.voiceagent.evaluation.insight.SessionStats;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;

class LaunchGateTest {

    final LaunchGate gate = new LaunchGate("launch", 20, 0.95, 0, 1500L, null, true).validated();

    @Test
    void aVersionMeetingEveryCriterionPasses() {
        SessionStats stats = new SessionStats(20, 20, 1.0, 0.97, 1200L, 0, Map.of(), false);
        var result = GateHandler.result("support", "v2", gate, stats, null, null);
        assertThat(result.passed()).isTrue();
        assertThat(result.criteria()).extracting(LaunchGate.CriterionResult::name).containsExactly("min_sessions",
                "min_pass_rate", "max_policy_violations", "max_p95_time_to_first_audio_ms");
    }

    @Test
    void eachFailedCriterionSaysWhy() {
        SessionStats stats = new SessionStats(12, 10, 0.8333, 0.8, 2100L, 1, Map.of(), false);
        var result = GateHandler.result("support", "v2", gate, stats, null, null);
        assertThat(result.passed()).isFalse();
        assertThat(result.criteria()).allMatch(c -> !c.passed());
        assertThat(result.criteria().get(0).reason()).isEqualTo("only 12 synthetic sessions, need 20");
        assertThat(result.criteria().get(1).reason()).isEqualTo("pass rate 0.8333 < 0.95");
        assertThat(result.criteria().get(2).reason()).isEqualTo("1 sessions violated policy, at most 0 allowed");
        assertThat(result.criteria().get(3).reason()).isEqualTo("p95 time to first audio 2100 ms > 1500 ms");
    }

    @Test
    void noSessionsFailRateAndLatencyCriteria() {
        var result = GateHandler.result("support", "v2", gate, SessionStats.of(java.util.List.of()), null, null);
        assertThat(result.passed()).isFalse();
        assertThat(result.criteria().get(3).reason()).isEqualTo("time to first audio never measured");
    }

    @Test
    void aGateOverNoSessionsNeverPassesEvenWithoutASessionCriterion() {
        LaunchGate policyOnly = new LaunchGate("policy", null, null, 0, null, null, false).validated();
        var result = GateHandler.result("support", "v2", policyOnly, SessionStats.of(java.util.List.of()), null, null);
        assertThat(result.passed()).isFalse();
        assertThat(result.criteria()).filteredOn(c -> c.name().equals("min_sessions")).singleElement()
                .satisfies(c -> {
                    assertThat(c.passed()).isFalse();
                    assertThat(c.reason()).isEqualTo("no sessions: a gate never passes without any");
                });
    }

    @Test
    void aStoredGateAskingForNoSessionsStillNeedsOne() {
        LaunchGate legacy = new LaunchGate("legacy", 0, null, null, null, null, false);
        var result = GateHandler.result("support", "v2", legacy, SessionStats.of(java.util.List.of()), null, null);
        assertThat(result.passed()).isFalse();
    }

    @Test
    void minSessionsMustBeAtLeastOne() {
        assertThatThrownBy(() -> new LaunchGate(null, 0, null, null, null, null, false).validated())
                .isInstanceOfSatisfying(ErrorResponseException.class,
                        e -> assertThat(e.getBody().getDetail()).isEqualTo("min_sessions: must be 1 or more"));
    }

    @Test
    void aGateNeedsValidCriteria() {
        assertThatThrownBy(() -> new LaunchGate(null, null, null, null, null, null, false).validated())
                .isInstanceOf(ErrorResponseException.class);
        assertThatThrownBy(() -> new LaunchGate(null, null, 1.5, null, null, null, false).validated())
                .isInstanceOf(ErrorResponseException.class);
        assertThat(new LaunchGate(" ", 1, null, null, null, null, false).validated().name()).isEqualTo("default");
    }
}
