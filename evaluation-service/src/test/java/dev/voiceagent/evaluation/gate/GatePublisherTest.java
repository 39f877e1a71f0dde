package dev.voiceagent.evaluation.gate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.evaluation.insight.SessionStats;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatePublisherTest {

    @Test
    void aGateEvaluationAlwaysGetsTheSameEventId() {
        assertThat(GatePublisher.eventId("gate_1")).isEqualTo(GatePublisher.eventId("gate_1"))
                .isNotEqualTo(GatePublisher.eventId("gate_2"));
    }

    @Test
    void criteriaCarryRequiredAndActualAsTextAndUnmeasuredAsAbsent() {
        LaunchGate gate = new LaunchGate("launch", 3, null, null, 1500L, null, true);
        SessionStats stats = new SessionStats(0, 0, null, null, null, 0, Map.of(), false);
        Instant at = Instant.parse("2026-11-25T10:00:00Z");
        GateEvaluation evaluation = new GateEvaluation("gate_1", "support", "support-v2", false, gate,
                gate.evaluate(stats), stats, null, at, at);

        var event = GatePublisher.event(evaluation);

        assertThat(event.gateName()).isEqualTo("launch");
        assertThat(event.syntheticOnly()).isTrue();
        assertThat(event.windowFrom()).isNull();
        assertThat(event.windowTo()).isEqualTo(at);
        assertThat(event.criteria()).extracting(c -> c.name() + "=" + c.required() + "/" + c.actual())
                .containsExactly("min_sessions=3/0", "max_p95_time_to_first_audio_ms=1500/null");
        assertThat(event.stats().passRate()).isNull();
        assertThat(List.of(event.passed())).containsExactly(false);
    }
}
