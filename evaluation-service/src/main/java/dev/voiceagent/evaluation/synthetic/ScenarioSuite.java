package dev.voiceagent.evaluation.synthetic;

import dev.voiceagent.evaluation.synthetic.Scenario.CallerStep;
import dev.voiceagent.evaluation.synthetic.Scenario.Expectation;
import dev.voiceagent.support.Problems;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An agent's scenario suite, generated from its contract and/or given explicitly: one scenario per supported
 * intent, one per escalation path (caller asks for a human, authentication fails when an intent needs account
 * data, every hand-over target); explicit scenarios replace generated ones with the same id.
 */
public final class ScenarioSuite {

    static final int MAX_SCENARIOS = 200;
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
    private static final Set<String> HANDED_OVER = Set.of("transferred", "callback_created");

    private ScenarioSuite() {
    }

    /** The contract as this service accepts it until config-service publishes its format. */
    public record ContractInput(List<IntentInput> intents) {

        public ContractInput {
            intents = intents == null ? List.of() : List.copyOf(intents);
        }
    }

    /** An intent: {@code class} is resolvable, triage (triage_only) or transfer (must_transfer). */
    public record IntentInput(String name, @com.fasterxml.jackson.annotation.JsonProperty("class") String intentClass,
                              List<String> tools, String handoffTarget) {
    }

    /** Body of {@code PUT …/scenarios}: a contract to generate from, explicit scenarios, or both. */
    public record SuiteRequest(ContractInput contract, List<Scenario> scenarios) {
    }

    public static List<Scenario> build(SuiteRequest request) {
        Map<String, Scenario> byId = new LinkedHashMap<>();
        if (request.contract() != null) {
            generate(request.contract()).forEach(s -> byId.put(s.id(), s));
        }
        if (request.scenarios() != null) {
            Set<String> seen = new HashSet<>();
            for (Scenario s : request.scenarios()) {
                validate(s);
                if (!seen.add(s.id())) {
                    throw Problems.invalidField("scenarios", "duplicate scenario id " + s.id());
                }
                byId.put(s.id(), s);
            }
        }
        if (byId.isEmpty()) {
            throw Problems.invalidField("contract", "give a contract with intents, or scenarios");
        }
        if (byId.size() > MAX_SCENARIOS) {
            throw Problems.invalidField("scenarios", "at most " + MAX_SCENARIOS + " scenarios");
        }
        return List.copyOf(byId.values());
    }

    static List<Scenario> generate(ContractInput contract) {
        List<Scenario> scenarios = new ArrayList<>();
        Set<String> targets = new LinkedHashSet<>();
        boolean accountData = false;
        for (IntentInput intent : contract.intents()) {
            if (intent == null || intent.name() == null || intent.name().isBlank()) {
                throw Problems.invalidField("contract.intents", "every intent needs a name");
            }
            String intentClass = intentClass(intent.intentClass());
            List<String> tools = intent.tools() == null ? List.of() : intent.tools();
            accountData |= tools.contains("lookup");
            if (intent.handoffTarget() != null && !intent.handoffTarget().isBlank()) {
                targets.add(intent.handoffTarget());
            }
            scenarios.add(new Scenario("intent-" + slug(intent.name()), "caller with intent " + intent.name()
                    + " (" + intentClass + ")", intent.name(),
                    List.of(new CallerStep(utterance(intent.name()), null, null, null),
                            new CallerStep("Yes, that's right.", null, null, null)),
                    expectation(intent.name(), intentClass, tools)));
        }
        String first = contract.intents().isEmpty() ? null : contract.intents().get(0).name();
        scenarios.add(new Scenario("escalation-human-request", "caller talks over the agent and asks for a person",
                first, List.of(new CallerStep(first == null ? "Hello?" : utterance(first), null, null, null),
                new CallerStep("No, stop, I want to talk to a real person.", null, true, null)),
                new Expectation(null, null, List.copyOf(HANDED_OVER), true)));
        if (accountData) {
            scenarios.add(new Scenario("escalation-authentication-failure",
                    "caller cannot verify their identity (wrong PIN by keypad)", null,
                    List.of(new CallerStep("I want to check my account.", null, null, null),
                            new CallerStep(null, "0000#", null, 1000L),
                            new CallerStep(null, "9999#", null, 1000L)),
                    new Expectation(null, List.of(), List.of("failed_authentication", "transferred",
                            "callback_created"), null)));
        }
        for (String target : targets) {
            IntentInput routed = contract.intents().stream().filter(i -> target.equals(i.handoffTarget()))
                    .findFirst().orElseThrow();
            scenarios.add(new Scenario("escalation-handoff-" + slug(target), "hand-over to " + target,
                    routed.name(), List.of(new CallerStep(utterance(routed.name()), null, null, null),
                    new CallerStep("Please put me through to someone who can help.", null, null, null)),
                    new Expectation(routed.name(), null, List.copyOf(HANDED_OVER), true)));
        }
        return scenarios;
    }

    private static Expectation expectation(String intent, String intentClass, List<String> tools) {
        return switch (intentClass) {
            case "must_transfer" -> new Expectation(intent, List.of(), List.of("transferred"), true);
            case "triage_only" -> new Expectation(intent, List.of(), List.copyOf(HANDED_OVER), true);
            default -> new Expectation(intent, tools, List.of("resolved"), false);
        };
    }

    static String intentClass(String raw) {
        String value = raw == null ? "resolvable" : raw.trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "resolvable" -> "resolvable";
            case "triage", "triage_only" -> "triage_only";
            case "transfer", "must_transfer" -> "must_transfer";
            default -> throw Problems.invalidField("contract.intents.class",
                    "must be resolvable, triage or transfer (was " + raw + ")");
        };
    }

    private static void validate(Scenario s) {
        if (s == null || s.id() == null || !ID.matcher(s.id()).matches()) {
            throw Problems.invalidField("scenarios.id", "lower-case letters, digits, '.', '_' or '-' (1-100)");
        }
        if (s.caller().isEmpty()) {
            throw Problems.invalidField("scenarios.caller", "scenario " + s.id() + " has no caller steps");
        }
        for (CallerStep step : s.caller()) {
            if (step == null) {
                throw Problems.invalidField("scenarios.caller", "scenario " + s.id() + " has an empty step");
            }
            for (Scenario.ModelStep action : step.model() == null ? List.<Scenario.ModelStep>of() : step.model()) {
                boolean tool = action != null && action.callTool() != null && !action.callTool().isBlank();
                boolean says = action != null && action.say() != null;
                if (tool == says) {
                    throw Problems.invalidField("scenarios.caller.model", "scenario " + s.id()
                            + ": each model step either says a text or calls a tool");
                }
            }
        }
    }

    private static String utterance(String intent) {
        return "Hi, I'm calling about " + intent.replace('_', ' ') + ".";
    }

    static String slug(String value) {
        String slug = value.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^-+|-+$", "");
        return slug.isEmpty() ? "x" : slug.length() > 80 ? slug.substring(0, 80) : slug;
    }
}
