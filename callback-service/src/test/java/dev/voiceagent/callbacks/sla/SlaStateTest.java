package dev.voiceagent.callbacks.sla;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.callbacks.task.CallbackProperties;
import dev.voiceagent.callbacks.task.CallbackTask;
import dev.voiceagent.callbacks.task.SlaPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlaStateTest {

    static final Instant DUE = Instant.parse("2030-01-01T12:00:00Z");
    static final Duration WINDOW = Duration.ofHours(4);

    static CallbackTask task(String status) {
        return new CallbackTask("t", null, "demo", "CA1", null, "r", "normal", null, DUE, status, null, null, "tool",
                null, null);
    }

    @Test
    void activeTasksAreOnTrackAtRiskOrBreached() {
        assertThat(SlaState.of(task("open"), WINDOW, DUE.minus(Duration.ofHours(2)), 0.25)).isEqualTo(SlaState.ON_TRACK);
        assertThat(SlaState.of(task("claimed"), WINDOW, DUE.minusSeconds(3600), 0.25)).isEqualTo(SlaState.AT_RISK);
        assertThat(SlaState.of(task("open"), WINDOW, DUE, 0.25)).isEqualTo(SlaState.BREACHED);
        assertThat(SlaState.of(task("open"), WINDOW, DUE.plusSeconds(1), 0.25)).isEqualTo(SlaState.BREACHED);
    }

    @Test
    void closedTasksHaveNoSlaState() {
        assertThat(SlaState.of(task("done"), WINDOW, DUE.plusSeconds(60), 0.25)).isNull();
        assertThat(SlaState.of(task("cancelled"), WINDOW, DUE.plusSeconds(60), 0.25)).isNull();
        assertThat(SlaState.of(task("expired"), WINDOW, DUE.plusSeconds(60), 0.25)).isNull();
    }

    @Test
    void theSqlWindowFollowsThePolicy() {
        SlaPolicy policy = new SlaPolicy(new CallbackProperties(Map.of("urgent", Duration.ofMinutes(15))));
        assertThat(policy.windowSql()).isEqualTo(
                "(CASE priority WHEN 'urgent' THEN INTERVAL '900 seconds' ELSE INTERVAL '14400 seconds' END)");
        assertThat(SlaState.fromWire("at_risk")).contains(SlaState.AT_RISK);
        assertThat(SlaState.fromWire("late")).isEmpty();
    }
}
