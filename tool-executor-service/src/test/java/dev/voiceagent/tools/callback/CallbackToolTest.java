package dev.voiceagent.tools.callback;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CallbackToolTest {

    @Test
    void callbackIdIsDeterministicPerTenantAndToolCall() {
        assertThat(CallbackTool.callbackId("demo", "call_1")).isEqualTo(CallbackTool.callbackId("demo", "call_1"))
                .startsWith("cb_");
        assertThat(CallbackTool.callbackId("demo", "call_1")).isNotEqualTo(CallbackTool.callbackId("acme", "call_1"));
    }

    @Test
    void normalisesPriority() {
        assertThat(CallbackTool.priority(null)).isEqualTo("normal");
        assertThat(CallbackTool.priority("HIGH")).isEqualTo("high");
        assertThat(CallbackTool.priority("asap")).isEqualTo("normal");
    }

    @Test
    void parsesOnlyIsoTimesWithAnOffset() {
        assertThat(CallbackTool.parseTime("2030-01-02T15:00:00Z")).isEqualTo(Instant.parse("2030-01-02T15:00:00Z"));
        assertThat(CallbackTool.parseTime("tomorrow morning")).isNull();
    }
}
