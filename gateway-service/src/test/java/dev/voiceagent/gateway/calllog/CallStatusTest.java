package dev.voiceagent.gateway.calllog;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CallStatusTest {

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource({
            "queued, initiated, true",
            "initiated, ringing, true",
            "ringing, in-progress, true",
            "in-progress, completed, true",
            "queued, completed, true",
            "ringing, no-answer, true",
            "completed, in-progress, false",
            "in-progress, ringing, false",
            "ringing, ringing, false",
            "completed, completed, false",
            "completed, failed, false",
            "busy, completed, false"})
    void statusesNeverGoBackwards(String from, String to, boolean advances) {
        CallStatus current = CallStatus.fromWire(from).orElseThrow();
        CallStatus next = CallStatus.fromWire(to).orElseThrow();
        assertThat(current.canAdvanceTo(next)).isEqualTo(advances);
    }

    @Test
    void unknownStatusesAreNotParsed() {
        assertThat(CallStatus.fromWire("answered")).isEmpty();
        assertThat(CallStatus.fromWire(null)).isEmpty();
        assertThat(CallStatus.fromWire("IN-PROGRESS")).contains(CallStatus.IN_PROGRESS);
    }
}
