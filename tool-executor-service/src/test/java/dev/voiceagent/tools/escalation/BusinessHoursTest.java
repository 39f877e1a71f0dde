package dev.voiceagent.tools.escalation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class BusinessHoursTest {

    static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    @Test
    void blankMeansAlwaysOpen() {
        assertThat(BusinessHours.parse(" ").isOpen(Instant.parse("2030-01-06T03:00:00Z"), NEW_YORK)).isTrue();
    }

    @Test
    void rulesApplyInTheTenantsZone() {
        BusinessHours hours = BusinessHours.parse("MON-FRI 09:00-17:00; SAT 10:00-12:00");
        // Monday 2030-01-07 09:30 in New York is 14:30Z
        assertThat(hours.isOpen(Instant.parse("2030-01-07T14:30:00Z"), NEW_YORK)).isTrue();
        // the same instant read in UTC would be open as well, 08:30 New York is not
        assertThat(hours.isOpen(Instant.parse("2030-01-07T13:30:00Z"), NEW_YORK)).isFalse();
        assertThat(hours.isOpen(Instant.parse("2030-01-12T15:30:00Z"), NEW_YORK)).isTrue();
        assertThat(hours.isOpen(Instant.parse("2030-01-13T15:30:00Z"), NEW_YORK)).isFalse();
        assertThat(hours.isOpen(Instant.parse("2030-01-07T22:00:00Z"), NEW_YORK)).isFalse();
    }

    @Test
    void rejectsMalformedRules() {
        assertThatThrownBy(() -> BusinessHours.parse("weekdays 9-5")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BusinessHours.parse("MON 09:00")).isInstanceOf(IllegalArgumentException.class);
    }
}
