package dev.voiceagent.evaluation.synthetic;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.voiceagent.evaluation.synthetic.Scenario.CallerStep;
import dev.voiceagent.evaluation.synthetic.Scenario.Expectation;
import dev.voiceagent.evaluation.synthetic.Scenario.ModelStep;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A synthetic scenario as the simulators' script (the testkit's scenario JSON: {@code name, greeting, turns:
 * [{caller_says, barge_in, dtmf, model_actions}]}). The caller side maps one to one: each caller step is a turn
 * ({@code say} → {@code caller_says}, {@code interrupt} → {@code barge_in}, {@code dtmf} split into keys; pauses
 * are left to the simulator's own timing). The model side is the step's explicit {@code model} when given (the way
 * to script a deliberate mistake), else derived from the expectation:
 * <ul>
 *   <li>first step: {@code update_session {intent}} when an intent is expected, then every expected tool with
 *       plausible arguments;</li>
 *   <li>a DTMF step of a scenario that expects {@code failed_authentication}: {@code update_session
 *       {caller_identity: failed}} (the bridge hands over after the contract's failed attempts);</li>
 *   <li>last step: {@code update_session {escalate_reason}} when a hand-over is expected (the bridge then hands
 *       over with the tool the contract allows), else a goodbye;</li>
 *   <li>every other step: a short acknowledgement.</li>
 * </ul>
 * The agent's greeting is the tenant's, so the simulated caller waits for it as it would for the real one. When a
 * hand-over is expected the caller stays on the line after its last step, as a caller being transferred does,
 * instead of hanging up before the hand-over completes.
 */
public record SimulatorScript(String name, String greeting,
                              @JsonProperty("stay_on_line") boolean stayOnLine, List<Turn> turns) {

    private static final Set<String> HANDED_OVER = Set.of("transferred", "callback_created");
    private static final String UPDATE_SESSION = "update_session";

    /** One caller turn and the simulated model's answer. */
    public record Turn(@JsonProperty("caller_says") String callerSays, @JsonProperty("barge_in") boolean bargeIn,
                       List<String> dtmf, @JsonProperty("model_actions") List<Map<String, Object>> modelActions) {
    }

    public static SimulatorScript of(Scenario scenario, String greeting) {
        List<Turn> turns = new ArrayList<>();
        List<CallerStep> steps = scenario.caller();
        for (int i = 0; i < steps.size(); i++) {
            CallerStep step = steps.get(i);
            List<Map<String, Object>> actions = step.model() != null
                    ? step.model().stream().map(SimulatorScript::action).toList()
                    : derived(scenario, i);
            turns.add(new Turn(step.say() == null ? "" : step.say(), Boolean.TRUE.equals(step.interrupt()),
                    keys(step.dtmf()), actions));
        }
        return new SimulatorScript(scenario.id(), greeting, handOverExpected(scenario.expect()), turns);
    }

    private static List<Map<String, Object>> derived(Scenario scenario, int index) {
        Expectation expect = scenario.expect();
        CallerStep step = scenario.caller().get(index);
        boolean last = index == scenario.caller().size() - 1;
        List<Map<String, Object>> actions = new ArrayList<>();
        String intent = expect.intent() != null ? expect.intent() : scenario.intent();
        if (index == 0) {
            if (intent != null) {
                actions.add(callTool(UPDATE_SESSION, Map.of("intent", intent)));
            }
            expect.tools().forEach(tool -> actions.add(callTool(tool, arguments(tool, scenario))));
        }
        if (step.dtmf() != null && expect.outcomes().contains("failed_authentication")) {
            actions.add(callTool(UPDATE_SESSION, Map.of("caller_identity", "failed")));
        }
        if (last && handOverExpected(expect)) {
            actions.add(callTool(UPDATE_SESSION, Map.of("escalate_reason",
                    "synthetic scenario " + scenario.id() + " expects a hand-over")));
        } else if (last) {
            actions.add(say("Glad I could help. Goodbye!"));
        } else {
            actions.add(say(index == 0 && !expect.tools().isEmpty() ? "I have looked into that for you."
                    : "Understood."));
        }
        return actions;
    }

    static boolean handOverExpected(Expectation expect) {
        return expect.escalation() != null ? expect.escalation()
                : !expect.outcomes().isEmpty() && HANDED_OVER.containsAll(expect.outcomes());
    }

    /** Arguments a model would plausibly pass (the tool executor's schemas; the caller's number stands in). */
    static Map<String, Object> arguments(String tool, Scenario scenario) {
        String about = scenario.intent() != null ? scenario.intent().replace('_', ' ') : scenario.id();
        return switch (tool) {
            case "sms" -> Map.of("body", "Here is the information about " + about + " you asked for.");
            case "scheduling" -> Map.of("action", "book", "reason", about, "preferred_time",
                    LocalDate.now(ZoneOffset.UTC).plusDays(1).atTime(10, 0).atOffset(ZoneOffset.UTC).toString());
            case "escalation" -> Map.of("reason", "caller asked about " + about, "summary", "synthetic call");
            case "callback" -> Map.of("reason", about, "priority", "normal");
            case "evaluation" -> Map.of("note", "synthetic scenario " + scenario.id());
            case "send_dtmf" -> Map.of("digits", "1");
            default -> Map.of();
        };
    }

    private static List<String> keys(String dtmf) {
        return dtmf == null ? List.of() : dtmf.chars().mapToObj(c -> String.valueOf((char) c))
                .filter(k -> !k.isBlank()).toList();
    }

    private static Map<String, Object> action(ModelStep step) {
        return step.callTool() != null ? callTool(step.callTool(), step.arguments()) : say(step.say());
    }

    private static Map<String, Object> callTool(String name, Map<String, Object> arguments) {
        Map<String, Object> action = new LinkedHashMap<>();
        action.put("call_tool", name);
        action.put("arguments", arguments);
        return action;
    }

    private static Map<String, Object> say(String text) {
        return Map.of("say", text == null ? "" : text);
    }
}
