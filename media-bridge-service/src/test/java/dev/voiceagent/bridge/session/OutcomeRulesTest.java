package dev.voiceagent.bridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome.ToolSummary;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OutcomeRulesTest {

    private static ToolSummary tool(String name, String status) {
        return new ToolSummary("c", name, status, 10);
    }

    static Stream<Arguments> rules() {
        return Stream.of(
                Arguments.of("error wins", "model failed", List.of(tool("callback", "ok")), true, true, Outcome.FAILED),
                Arguments.of("callback ok", null, List.of(tool("callback", "ok"), tool("escalation", "ok")), true, true,
                        Outcome.CALLBACK_CREATED),
                Arguments.of("escalation ok", null, List.of(tool("escalation", "ok")), true, false, Outcome.TRANSFERRED),
                Arguments.of("denied callback does not count", null, List.of(tool("callback", "denied")), true, true,
                        Outcome.RESOLVED),
                Arguments.of("spoke and answered", null, List.of(), true, true, Outcome.RESOLVED),
                Arguments.of("never spoke", null, List.of(), false, true, Outcome.ABANDONED),
                Arguments.of("spoke, no answer", null, List.of(), true, false, Outcome.ABANDONED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void appliesTheOutcomeRules(String name, String failure, List<ToolSummary> tools, boolean spoke, boolean answered,
                                Outcome expected) {
        assertThat(OutcomeRules.decide(failure, tools, spoke, answered)).isEqualTo(expected);
    }

    @Test
    void anEscalationTheExecutorTurnedIntoACallbackIsACallbackNotATransfer() {
        List<ToolSummary> tools = List.of(tool("escalation", "ok"));
        assertThat(OutcomeRules.decide(null, tools, true, true, false, true, false))
                .isEqualTo(Outcome.CALLBACK_CREATED);
        assertThat(OutcomeRules.decide(null, tools, true, true, false, false, false)).isEqualTo(Outcome.TRANSFERRED);
        assertThat(OutcomeRules.decide(null, List.of(tool("escalation", "failed")), true, true, false, true, false))
                .as("a failed escalation created nothing").isEqualTo(Outcome.RESOLVED);
    }
}
