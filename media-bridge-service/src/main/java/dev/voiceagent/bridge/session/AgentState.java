package dev.voiceagent.bridge.session;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a tool's successful result tells about the call, as state fields: the account it is about (number and status
 * only; balances and names stay out of the published state) and where the call went (a transfer or a callback).
 */
final class AgentState {

    private AgentState() {
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
            }
            case "escalation" -> learned.put("route", "transfer");
            case "callback" -> learned.put("route", "callback");
            default -> {
            }
        }
        return learned;
    }
}
