package dev.voiceagent.evaluation.synthetic;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One synthetic call: what the caller says and does (turns, DTMF, interruptions, pauses) and what must happen
 * (intent, tools used, one of the acceptable outcomes, whether the call is handed over).
 */
public record Scenario(String id, String description, String intent, List<CallerStep> caller, Expectation expect) {

    public Scenario {
        caller = caller == null ? List.of() : List.copyOf(caller);
        expect = expect == null ? new Expectation(null, null, null, null) : expect;
    }

    /**
     * One caller action: words to say, DTMF digits to press, whether to talk over the agent, a pause first, and —
     * for runs against the realtime simulator only — what the simulated model does in answer ({@code model}; when
     * absent it is derived from the expectation, see {@link SimulatorScript}).
     */
    public record CallerStep(String say, String dtmf, Boolean interrupt, Long pauseMs, List<ModelStep> model) {

        public CallerStep {
            model = model == null ? null : List.copyOf(model);
        }

        /** A step whose model answer is derived from the expectation. */
        public CallerStep(String say, String dtmf, Boolean interrupt, Long pauseMs) {
            this(say, dtmf, interrupt, pauseMs, null);
        }
    }

    /** One thing the simulated model does: say a text, or call a function tool with arguments. */
    public record ModelStep(String say, String callTool, Map<String, Object> arguments) {

        public ModelStep {
            arguments = arguments == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(arguments));
        }
    }

    /** What must happen; a null field is not checked. */
    public record Expectation(String intent, List<String> tools, List<String> outcomes, Boolean escalation) {

        public Expectation {
            tools = tools == null ? List.of() : List.copyOf(tools);
            outcomes = outcomes == null ? List.of() : List.copyOf(outcomes);
        }
    }
}
