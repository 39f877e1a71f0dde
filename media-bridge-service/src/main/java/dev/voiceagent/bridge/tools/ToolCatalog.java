package dev.voiceagent.bridge.tools;

import dev.voiceagent.bridge.realtime.RealtimeClientEvent.FunctionTool;
import dev.voiceagent.contracts.ToolName;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The function definitions offered to the model: one per contract tool the agent may use (JSON Schema
 * arguments matching what the tool executor reads), plus the bridge-local {@code update_session}.
 */
public final class ToolCatalog {

    /** The bridge-local function that updates the session state. */
    public static final String UPDATE_SESSION = "update_session";

    /**
     * The {@code update_session} argument the agent sets when a contract limit is reached (policy, authentication,
     * payment, safety, low confidence); the bridge then stops the agent and hands the call over.
     */
    public static final String ESCALATE_REASON = "escalate_reason";

    /** Agent-sent keypad tones: played by the bridge in the call's audio (docs/media-bridge.md), never a tool request. */
    public static final String SEND_DTMF = ToolName.SEND_DTMF.wire();

    /** The {@code send_dtmf} argument with the keys to press. */
    public static final String DIGITS = "digits";

    /** The {@code caller_identity} that counts as a failed authentication attempt when reported after another. */
    public static final String IDENTITY_FAILED = "failed";

    /**
     * The {@code update_session} argument naming a topic the contract rules on: {@code payment} (the caller wants to
     * pay) or {@code safety} (a risk to someone's safety).
     */
    public static final String SENSITIVE_TOPIC = "sensitive_topic";

    /** The {@code update_session} argument describing a request that breaks the agent's policy (counted per call). */
    public static final String POLICY_VIOLATION = "policy_violation";

    /** The {@code update_session} argument with the agent's confidence (0 to 1) that it understands the caller. */
    public static final String CONFIDENCE = "confidence";

    /** The state fields {@code update_session} may set. */
    public static final Set<String> SESSION_FIELDS = Set.of("intent", "language", "caller_identity",
            "consent_state", "current_task", "route", "account_context");

    /**
     * Whether a tool takes the call away from its stream when it succeeds. Only {@code escalation} does: the tool
     * executor transfers with a Twilio call update ({@code <Dial>}), and Twilio stops the stream at once, usually
     * before the tool's reply reaches the bridge.
     */
    public static boolean takesTheCall(String tool) {
        return ToolName.ESCALATION.wire().equals(tool);
    }

    /** Whether {@code name} is an {@code update_session} argument: a state field or a report the contract rules on. */
    public static boolean isReportField(String name) {
        return SESSION_FIELDS.contains(name) || ESCALATE_REASON.equals(name) || SENSITIVE_TOPIC.equals(name)
                || POLICY_VIOLATION.equals(name) || CONFIDENCE.equals(name);
    }

    private ToolCatalog() {
    }

    /** Definitions for the allowed tools (unknown names are ignored), in contract order, then update_session. */
    public static List<FunctionTool> functionsFor(Collection<String> allowedTools) {
        return functionsFor(allowedTools, List.of());
    }

    /**
     * As above, with {@code update_session}'s {@code intent} limited to {@code intents} (the version's intent names)
     * when there are any: the contract rules on intents by name (a {@code must_transfer} one is handed over, the tool
     * executor narrows tools to the intent's), so a free-text intent the contract does not know would escape both.
     */
    public static List<FunctionTool> functionsFor(Collection<String> allowedTools, List<String> intents) {
        List<FunctionTool> tools = new ArrayList<>();
        for (ToolName tool : ToolName.values()) {
            if (allowedTools != null && allowedTools.contains(tool.wire())) {
                tools.add(definition(tool));
            }
        }
        tools.add(updateSession(intents));
        return tools;
    }

    static FunctionTool definition(ToolName tool) {
        switch (tool) {
            case LOOKUP:
                // the PIN is the only way a caller is verified: the bridge authenticates the call when a lookup
                // result says verified true, never on the model's word (update_session's caller_identity)
                return new FunctionTool("lookup", "Look up the caller's account by account number, phone number or "
                        + "order number. Returns whether it was found, the holder's name, balance and status. To "
                        + "verify the caller's identity, ask for their account PIN and pass it as pin with the "
                        + "account number: only a result with verified true means the caller is verified; nothing "
                        + "the caller says about having been verified counts.",
                        schema(Map.of(
                                "account_number", string("The account number the caller gave"),
                                "caller_number", string("The caller's phone number in E.164"),
                                "order_number", string("An order number the caller gave"),
                                "pin", string("The account PIN the caller gave to verify their identity, digits only "
                                        + "(4 to 8)")), List.of()));
            case SMS:
                return new FunctionTool("sms", "Send a text message to the caller.",
                        schema(Map.of("to", string("Recipient in E.164; the caller when omitted"),
                                "body", string("The message text")), List.of("body")));
            case SCHEDULING:
                return new FunctionTool("scheduling", "Book, move or cancel an appointment.",
                        schema(Map.of("action", enumOf("What to do", List.of("book", "reschedule", "cancel")),
                                "preferred_time", string("ISO-8601 date-time the caller prefers"),
                                "reason", string("What the appointment is for")), List.of("action")));
            case ESCALATION:
                return new FunctionTool("escalation", "Transfer the caller to a human agent now. Use when policy, "
                        + "authentication, payment or safety limits are reached or the caller asks for a person.",
                        schema(Map.of("reason", string("Why the call is handed over"),
                                "summary", string("What the human needs to know")), List.of("reason")));
            case CALLBACK:
                return new FunctionTool("callback", "Queue a callback from a human when no one can take the call now.",
                        schema(Map.of("reason", string("What the callback is about"),
                                "priority", enumOf("How urgent", List.of("low", "normal", "high")),
                                "preferred_time", string("When the caller prefers to be called")),
                                List.of("reason")));
            case EVALUATION:
                return new FunctionTool("evaluation", "Ask for this conversation to be reviewed.",
                        schema(Map.of("note", string("Why it should be reviewed")), List.of()));
            case SEND_DTMF:
                return new FunctionTool(SEND_DTMF, "Press keys on the phone keypad in this call, e.g. to choose an "
                        + "option in an automated phone menu or to enter an extension. The tones play after anything "
                        + "you are still saying; the result comes once they have played. Then listen: the other side "
                        + "answers the key press.",
                        schema(Map.of(DIGITS, string("The keys in order: 0-9, *, # and A-D; w waits half a second. "
                                + "At most 32.")), List.of(DIGITS)));
            case NOOP:
            default:
                return new FunctionTool("noop", "Does nothing; for testing the tool path.", schema(Map.of(), List.of()));
        }
    }

    static FunctionTool updateSession() {
        return updateSession(List.of());
    }

    static FunctionTool updateSession(List<String> intents) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("intent", intents == null || intents.isEmpty()
                ? string("The caller's intent, e.g. billing_question")
                : enumOf("The caller's intent: the one of these that fits what the caller wants", List.copyOf(intents)));
        properties.put("language", string("The language the caller speaks, ISO 639-1"));
        properties.put("caller_identity", string("unknown, claimed, or failed after a failed check; a caller is "
                + "verified only by a lookup with their PIN that answers verified true"));
        properties.put("consent_state", string("e.g. granted, refused, not_asked"));
        properties.put("current_task", string("What the agent is doing now"));
        properties.put("route", string("Where the call is heading, e.g. self_service, billing_team, callback"));
        properties.put("account_context", string("The account the call is about once it is known, e.g. its "
                + "number and status (no balances or personal details)"));
        properties.put(SENSITIVE_TOPIC, enumOf("Set when the caller wants to make a payment, or when someone's "
                + "safety is at risk: the agent's contract decides what happens next", List.of("payment", "safety")));
        properties.put(POLICY_VIOLATION, string("Set when the caller asks for something the agent's policy does not "
                + "allow, describing it briefly"));
        properties.put(CONFIDENCE, number("How sure you are, from 0 to 1, that you understand what the caller "
                + "needs; report it when it is low"));
        properties.put(ESCALATE_REASON, string("Set only when a policy, authentication, payment, safety or "
                + "confidence limit is reached: the call is then handed to a human"));
        return new FunctionTool(UPDATE_SESSION, "Record what you learned about the call (intent, language, caller "
                + "identity, consent, route, account, current task) and report payment or safety topics, policy "
                + "violations and low confidence. Call it whenever one of these changes.",
                schema(properties, List.of()));
    }

    private static Map<String, Object> schema(Map<String, Object> properties, List<String> required) {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", new java.util.TreeMap<>(properties));
        schema.put("required", required);
        schema.put("additionalProperties", false);
        return schema;
    }

    private static Map<String, Object> string(String description) {
        return Map.of("type", "string", "description", description);
    }

    private static Map<String, Object> number(String description) {
        return Map.of("type", "number", "description", description);
    }

    private static Map<String, Object> enumOf(String description, List<String> values) {
        return Map.of("type", "string", "description", description, "enum", values);
    }
}
