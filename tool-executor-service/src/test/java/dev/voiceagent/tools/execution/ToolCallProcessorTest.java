package dev.voiceagent.tools.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolCallProcessorTest {

    static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    static final Duration MAX_AGE = Duration.ofSeconds(10);

    static ToolCall call(String toolCallId, String source, Duration age) {
        return new ToolCall("acme", "CA1", new ToolRequested(toolCallId, "sms", Map.of(), "v1", null,
                "+15555550100", null), source, age == null ? null : NOW.minus(age));
    }

    @Test
    void aCallsRequestExpiresOnceItIsOlderThanTheMaximumAge() {
        assertThat(ToolCallProcessor.expired(call("call_1", "media-bridge-service", Duration.ofSeconds(2)), NOW,
                MAX_AGE)).isFalse();
        assertThat(ToolCallProcessor.expired(call("call_1", "media-bridge-service", MAX_AGE), NOW, MAX_AGE)).isFalse();
        assertThat(ToolCallProcessor.expired(call("call_1", "media-bridge-service", MAX_AGE.plusMillis(1)), NOW,
                MAX_AGE)).isTrue();
        assertThat(ToolCallProcessor.expired(call("call_1", null, Duration.ofMinutes(5)), NOW, MAX_AGE)).isTrue();
    }

    @Test
    void handOversServiceRequestsAndRequestsOfUnknownAgeNeverExpire() {
        assertThat(ToolCallProcessor.expired(call("handover-CA1-1", "media-bridge-service", Duration.ofMinutes(5)),
                NOW, MAX_AGE)).isFalse();
        assertThat(ToolCallProcessor.expired(call("oncall_1", "callback-service", Duration.ofMinutes(5)), NOW,
                MAX_AGE)).isFalse();
        assertThat(ToolCallProcessor.expired(call("call_1", "media-bridge-service", null), NOW, MAX_AGE)).isFalse();
    }
}
