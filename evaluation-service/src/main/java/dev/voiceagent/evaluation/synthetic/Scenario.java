package dev.voiceagent.evaluation.synthetic;

import java.util.List;

/**
 * One synthetic call: what the caller says and does (turns, DTMF, interruptions, pauses) and what must happen
 * (intent, tools used, one of the acceptable outcomes, whether the call is handed over).
 */
public record Scenario(String id, String description, String intent, List<CallerStep> caller, Expectation expect) {

    public Scenario {
        caller = caller == null ? List.of() : List.copyOf(caller);
        expect = expect == null ? new Expectation(null, null, null, null) : expect;
    }

    /** One caller action: words to say, DTMF digits to press, whether to talk over the agent, a pause first. */
    public record CallerStep(String say, String dtmf, Boolean interrupt, Long pauseMs) {
    }

    /** What must happen; a null field is not checked. */
    public record Expectation(String intent, List<String> tools, List<String> outcomes, Boolean escalation) {

        public Expectation {
            tools = tools == null ? List.of() : List.copyOf(tools);
            outcomes = outcomes == null ? List.of() : List.copyOf(outcomes);
        }
    }
}
