package dev.voiceagent.evaluation.synthetic;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Whether a synthetic call did what its scenario expected: intent, tools used, outcome, hand-over. */
public record ExpectationCheck(boolean met, List<String> unmet) {

    private static final Set<String> HANDED_OVER = Set.of("transferred", "callback_created");

    public static ExpectationCheck of(Scenario.Expectation expect, String intent, String outcome, List<String> tools) {
        List<String> unmet = new ArrayList<>();
        if (expect.intent() != null && !expect.intent().equals(intent)) {
            unmet.add("intent " + intent + ", expected " + expect.intent());
        }
        for (String tool : expect.tools()) {
            if (!tools.contains(tool)) {
                unmet.add("tool " + tool + " not used");
            }
        }
        if (!expect.outcomes().isEmpty() && !expect.outcomes().contains(outcome)) {
            unmet.add("outcome " + outcome + ", expected " + String.join(" or ", expect.outcomes()));
        }
        if (expect.escalation() != null && expect.escalation() != HANDED_OVER.contains(outcome)) {
            unmet.add(expect.escalation() ? "expected a hand-over" : "unexpected hand-over (" + outcome + ")");
        }
        return new ExpectationCheck(unmet.isEmpty(), List.copyOf(unmet));
    }
}
