package dev.voiceagent.callbacks.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlaPolicyTest {

    static final Instant REQUESTED = Instant.parse("2030-01-01T10:00:00Z");
    final SlaPolicy sla = new SlaPolicy(new CallbackProperties(Map.of(
            "urgent", Duration.ofMinutes(15), "high", Duration.ofHours(1), "normal", Duration.ofHours(4))));

    @Test
    void dueTimeIsTheRequestTimePlusThePrioritysSla() {
        assertThat(sla.dueAt("urgent", REQUESTED)).isEqualTo(REQUESTED.plus(Duration.ofMinutes(15)));
        assertThat(sla.dueAt("HIGH", REQUESTED)).isEqualTo(REQUESTED.plus(Duration.ofHours(1)));
        assertThat(sla.dueAt("normal", REQUESTED)).isEqualTo(REQUESTED.plus(Duration.ofHours(4)));
    }

    @Test
    void unknownOrMissingPrioritiesAreNormal() {
        assertThat(sla.priority(null)).isEqualTo("normal");
        assertThat(sla.priority("whenever")).isEqualTo("normal");
        assertThat(sla.priority(" Urgent ")).isEqualTo("urgent");
        assertThat(sla.dueAt("whenever", REQUESTED)).isEqualTo(REQUESTED.plus(Duration.ofHours(4)));
    }

    @Test
    void withoutAnySlaConfiguredEverythingIsDueInFourHours() {
        SlaPolicy bare = new SlaPolicy(new CallbackProperties(null));
        assertThat(bare.priority("urgent")).isEqualTo("normal");
        assertThat(bare.dueAt("urgent", REQUESTED)).isEqualTo(REQUESTED.plus(Duration.ofHours(4)));
    }
}
