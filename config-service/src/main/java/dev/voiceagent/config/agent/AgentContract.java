package dev.voiceagent.config.agent;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.voiceagent.config.support.Ids;
import dev.voiceagent.config.support.JsonFields;
import dev.voiceagent.config.tenant.TenantRequest;
import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.support.Problems;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * An agent's business design as data: intents in three classes with the smallest tool set each, the limits that
 * stop or escalate a call, the session fields it tracks, the consents it needs, and where it hands over to humans.
 * {@link #parse} validates a request (400 naming the field) and reads stored contracts back.
 */
public record AgentContract(String description, List<Intent> intents, ContractLimits limits,
                            List<String> sessionFields, List<String> consents, Handoff handoff) {

    public static final Set<String> INTENT_CLASSES = Set.of("resolvable", "triage_only", "must_transfer");
    public static final List<String> SESSION_FIELDS = List.of("caller_identity", "route", "language", "intent",
            "consent_state", "account_context", "current_task");
    public static final Set<String> CONSENTS = Set.of("ai_disclosure", "recording");
    static final Set<String> PAYMENT_ACTIONS = Set.of("transfer", "callback", "refuse");
    static final Set<String> SAFETY_ACTIONS = Set.of("transfer", "end_call");
    static final Set<String> OUT_OF_HOURS = Set.of("callback", "transfer");
    static final List<String> DAYS = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{1,14}");
    private static final Pattern HOURS = Pattern.compile("([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]");

    /** One intent: its class, the tools it may use, and optionally which handoff target takes it. */
    public record Intent(String name, @JsonProperty("class") String intentClass, List<String> tools,
                         String handoffTarget, String description) {
    }

    /** What stops or escalates a call. */
    public record ContractLimits(Integer maxPolicyViolations, Integer maxAuthenticationFailures, String payment,
                                 String safety, Double confidenceThreshold) {
    }

    /** Human handoff: the targets, business hours and what happens out of hours. */
    public record Handoff(List<Target> targets, BusinessHours businessHours, String outOfHours) {
    }

    /** A human queue reachable by phone. */
    public record Target(String name, String phoneNumber, String description) {
    }

    /** Opening hours per weekday ({@code "mon": "09:00-17:00"}) in a time zone. */
    public record BusinessHours(String timeZone, Map<String, String> days) {
    }

    public static AgentContract parse(JsonNode body) {
        JsonFields fields = JsonFields.body(body, Set.of("description", "intents", "limits", "session_fields",
                "consents", "handoff"));
        String description = fields.optionalString("description", 2_000).orElse(null);
        Handoff handoff = handoff(fields);
        Set<String> targets = new HashSet<>();
        handoff.targets().forEach(t -> targets.add(t.name()));
        List<Intent> intents = intents(fields, targets);
        ContractLimits limits = limits(fields);
        List<String> sessionFields = subset(fields, "session_fields", SESSION_FIELDS).orElse(SESSION_FIELDS);
        List<String> consents = subset(fields, "consents", List.copyOf(new java.util.TreeSet<>(CONSENTS)))
                .orElse(List.of("ai_disclosure"));
        return new AgentContract(description, intents, limits, sessionFields, consents, handoff);
    }

    /** Stored contracts were validated when written; reading them back uses the same rules. */
    public static AgentContract fromJson(JsonNode stored) {
        return parse(stored);
    }

    /** The union of the intents' tools, in the platform's tool order. */
    public List<String> allowedTools() {
        EnumSet<ToolName> tools = EnumSet.noneOf(ToolName.class);
        intents.forEach(intent -> intent.tools().forEach(tool -> tools.add(ToolName.fromWire(tool))));
        return tools.stream().map(ToolName::wire).toList();
    }

    /** Where a call goes when the agent must hand over: the first target's number, else a callback. */
    public String fallbackDestination() {
        return handoff.targets().isEmpty() ? "callback" : handoff.targets().get(0).phoneNumber();
    }

    private static List<Intent> intents(JsonFields fields, Set<String> targets) {
        List<JsonNode> items = fields.array("intents", 100);
        if (items.isEmpty()) {
            throw Problems.invalidField("intents", "at least one intent is required");
        }
        List<Intent> intents = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            String path = "intents[" + i + "]";
            JsonFields intent = JsonFields.object(items.get(i), path + ".", path,
                    Set.of("name", "class", "tools", "handoff_target", "description"));
            String name = Ids.requireKey(path + ".name", intent.requiredString("name", 64));
            if (!names.add(name)) {
                throw Problems.invalidField(path + ".name", "intent '" + name + "' is defined twice");
            }
            String intentClass = intent.requiredString("class", 32);
            if (!INTENT_CLASSES.contains(intentClass)) {
                throw Problems.invalidField(path + ".class", "must be one of resolvable, triage_only, must_transfer");
            }
            List<String> tools = tools(intent, path);
            String target = intent.optionalString("handoff_target", 64).orElse(null);
            if (target != null && !targets.contains(target)) {
                throw Problems.invalidField(path + ".handoff_target", "no handoff target named '" + target + "'");
            }
            if ("must_transfer".equals(intentClass) && target == null && targets.isEmpty()) {
                throw Problems.invalidField(path + ".handoff_target",
                        "a must_transfer intent needs a handoff target (here or in handoff.targets)");
            }
            intents.add(new Intent(name, intentClass, tools, target,
                    intent.optionalString("description", 1_000).orElse(null)));
        }
        return List.copyOf(intents);
    }

    private static List<String> tools(JsonFields intent, String path) {
        List<String> tools = intent.optionalStringList("tools", ToolName.values().length, 32).orElse(List.of());
        if (tools.isEmpty()) {
            throw Problems.invalidField(path + ".tools", "an intent needs at least one tool");
        }
        Set<String> seen = new HashSet<>();
        for (int t = 0; t < tools.size(); t++) {
            if (ToolName.find(tools.get(t)).isEmpty()) {
                throw Problems.invalidField(path + ".tools[" + t + "]", "unknown tool; allowed: "
                        + Arrays.stream(ToolName.values()).map(ToolName::wire).toList());
            }
            if (!seen.add(tools.get(t))) {
                throw Problems.invalidField(path + ".tools[" + t + "]", "is listed twice");
            }
        }
        return List.copyOf(tools);
    }

    private static ContractLimits limits(JsonFields fields) {
        if (!fields.has("limits")) {
            return new ContractLimits(3, 3, "transfer", "transfer", 0.5);
        }
        JsonFields limits = JsonFields.object(fields.raw("limits"), "limits.", "limits", Set.of(
                "max_policy_violations", "max_authentication_failures", "payment", "safety", "confidence_threshold"));
        String payment = limits.optionalString("payment", 32).orElse("transfer");
        if (!PAYMENT_ACTIONS.contains(payment)) {
            throw Problems.invalidField("limits.payment", "must be one of " + new java.util.TreeSet<>(PAYMENT_ACTIONS));
        }
        String safety = limits.optionalString("safety", 32).orElse("transfer");
        if (!SAFETY_ACTIONS.contains(safety)) {
            throw Problems.invalidField("limits.safety", "must be one of " + new java.util.TreeSet<>(SAFETY_ACTIONS));
        }
        return new ContractLimits(limits.optionalInt("max_policy_violations", 0, 10).orElse(3),
                limits.optionalInt("max_authentication_failures", 0, 10).orElse(3), payment, safety,
                limits.optionalNumber("confidence_threshold", 0.0, 1.0).orElse(0.5));
    }

    private static java.util.Optional<List<String>> subset(JsonFields fields, String field, List<String> allowed) {
        return fields.optionalStringList(field, allowed.size(), 64).map(values -> {
            for (int i = 0; i < values.size(); i++) {
                if (!allowed.contains(values.get(i))) {
                    throw Problems.invalidField(field + "[" + i + "]", "must be one of " + allowed);
                }
            }
            return List.copyOf(new java.util.LinkedHashSet<>(values));
        });
    }

    private static Handoff handoff(JsonFields fields) {
        if (!fields.has("handoff")) {
            return new Handoff(List.of(), null, "callback");
        }
        JsonFields handoff = JsonFields.object(fields.raw("handoff"), "handoff.", "handoff",
                Set.of("targets", "business_hours", "out_of_hours"));
        List<JsonNode> items = handoff.array("targets", 20);
        List<Target> targets = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            String path = "handoff.targets[" + i + "]";
            JsonFields target = JsonFields.object(items.get(i), path + ".", path,
                    Set.of("name", "phone_number", "description"));
            String name = Ids.requireKey(path + ".name", target.requiredString("name", 64));
            if (!names.add(name)) {
                throw Problems.invalidField(path + ".name", "target '" + name + "' is defined twice");
            }
            String number = target.requiredString("phone_number", 16);
            if (!E164.matcher(number).matches()) {
                throw Problems.invalidField(path + ".phone_number", "must be an E.164 number such as +15555550000");
            }
            targets.add(new Target(name, number, target.optionalString("description", 500).orElse(null)));
        }
        String outOfHours = handoff.optionalString("out_of_hours", 32).orElse("callback");
        if (!OUT_OF_HOURS.contains(outOfHours)) {
            throw Problems.invalidField("handoff.out_of_hours", "must be callback or transfer");
        }
        return new Handoff(List.copyOf(targets), businessHours(handoff), outOfHours);
    }

    private static BusinessHours businessHours(JsonFields handoff) {
        if (!handoff.has("business_hours")) {
            return null;
        }
        JsonFields hours = JsonFields.object(handoff.raw("business_hours"), "handoff.business_hours.",
                "handoff.business_hours", Set.of("time_zone", "days"));
        String zone = hours.requiredString("time_zone", 64);
        TenantRequest.requireZone("handoff.business_hours.time_zone", zone);
        Map<String, String> days = new LinkedHashMap<>();
        if (hours.has("days")) {
            JsonFields dayFields = JsonFields.object(hours.raw("days"), "handoff.business_hours.days.",
                    "handoff.business_hours.days", Set.copyOf(DAYS));
            for (String day : DAYS) {
                dayFields.optionalString(day, 11).ifPresent(range -> {
                    if (!HOURS.matcher(range).matches() || range.substring(6).compareTo(range.substring(0, 5)) <= 0) {
                        throw Problems.invalidField("handoff.business_hours.days." + day,
                                "must be an opening range such as 09:00-17:00");
                    }
                    days.put(day, range);
                });
            }
        }
        return new BusinessHours(zone, days);
    }
}
