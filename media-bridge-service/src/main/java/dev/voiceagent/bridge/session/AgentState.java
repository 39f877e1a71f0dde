package dev.voiceagent.bridge.session;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a tool's successful result tells about the call, as state fields: the account it is about (number and status
 * only; balances and names stay out of the published state), whether a lookup verified the caller and where the call
 * went (a transfer or a callback). Also what of the agent's own reports the state may believe.
 */
final class AgentState {

    static final String CALLER_IDENTITY = "caller_identity";
    static final String VERIFIED = "verified";
    /** What the model's own report of {@code verified} is kept as: a claim, since nothing was checked. */
    static final String CLAIMED = "claimed";
    /**
     * What the model's own report of {@code caller_identity} may set: nothing that says the caller was checked (the
     * negative words evaluation's rubric knows, besides {@code failed}, stay as they are).
     */
    private static final Set<String> REPORTABLE_IDENTITIES = Set.of("unknown", CLAIMED, "failed", "unverified",
            "rejected");
    /** The {@code lookup} argument with the caller's PIN: a secret, kept out of the call's record. */
    static final String PIN = "pin";

    private AgentState() {
    }

    /**
     * The account a successful {@code lookup} result verified the caller for (the tool executor checked their PIN
     * and said {@code verified: true}), else {@code current}: a later lookup without a PIN does not undo it.
     */
    static String verifiedAccount(String tool, Map<String, Object> output, String current) {
        if (!"lookup".equals(tool) || output == null || !Boolean.TRUE.equals(output.get(VERIFIED))
                || output.get("account_number") == null) {
            return current;
        }
        return String.valueOf(output.get("account_number"));
    }

    /**
     * Whether {@code tool}'s answer is a {@code lookup} that checked a PIN and did not verify the caller: a failed
     * authentication attempt the platform saw itself.
     */
    static boolean failedVerification(String tool, Map<String, Object> output) {
        return "lookup".equals(tool) && output != null && Boolean.FALSE.equals(output.get(VERIFIED));
    }

    /**
     * The agent's {@code update_session} report as state fields. Until a lookup verified the caller, the model may only
     * say {@code unknown}, {@code claimed} or that a check failed (in any case or spacing); anything else it says
     * ({@code verified}, {@code Verified}, {@code authenticated} ...) is only its word, and is kept as {@code claimed}.
     * Once a lookup has verified the caller, the bridge owns the field and the model's reports no longer change it
     * ({@code failed} still counts in the contract).
     */
    static Map<String, Object> asReported(Map<String, Object> report, boolean callerVerified) {
        Object identity = report.get(CALLER_IDENTITY);
        if (identity == null) {
            return report;
        }
        Map<String, Object> fields = new LinkedHashMap<>(report);
        if (callerVerified) {
            fields.remove(CALLER_IDENTITY);
        } else {
            String said = normalized(identity);
            fields.put(CALLER_IDENTITY, REPORTABLE_IDENTITIES.contains(said) ? said : CLAIMED);
        }
        return fields;
    }

    /** A reported state value as compared: trimmed, lower case. */
    static String normalized(Object value) {
        return String.valueOf(value).trim().toLowerCase(Locale.ROOT);
    }

    /** A tool call's arguments as the call's record keeps them: a PIN the caller gave is masked. */
    static Map<String, Object> withoutSecrets(Map<String, Object> arguments) {
        if (arguments == null) {
            return Map.of();
        }
        if (!arguments.containsKey(PIN)) {
            return arguments;
        }
        Map<String, Object> masked = new LinkedHashMap<>(arguments);
        masked.put(PIN, "***");
        return masked;
    }

    /** The state fields learned from {@code tool}'s successful {@code output}; empty when it tells nothing. */
    static Map<String, String> learnedFrom(String tool, Map<String, Object> output) {
        Map<String, String> learned = new LinkedHashMap<>();
        Map<String, Object> result = output == null ? Map.of() : output;
        switch (tool) {
            case "lookup" -> {
                Object number = result.get("account_number");
                if (Boolean.TRUE.equals(result.get("found")) && number != null) {
                    Object status = result.get("status");
                    learned.put("account_context", "account " + number + (status == null ? "" : ", " + status));
                }
                if (verifiedAccount(tool, result, null) != null) {
                    learned.put(CALLER_IDENTITY, VERIFIED);
                }
            }
            case "escalation" -> learned.put("route", "transfer");
            case "callback" -> learned.put("route", "callback");
            default -> {
            }
        }
        return learned;
    }
}
