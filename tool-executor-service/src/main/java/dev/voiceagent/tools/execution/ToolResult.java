package dev.voiceagent.tools.execution;

import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a tool answered: a status from {@link ToolCompleted}, the output the model receives and, unless ok,
 * a reason the model can say to the caller (also repeated inside the output, which is what the model reads).
 */
public record ToolResult(String status, Map<String, Object> output, String reason) {

    public static ToolResult ok(Map<String, Object> output) {
        return new ToolResult(ToolCompleted.OK, output, null);
    }

    public static ToolResult denied(String reason) {
        return notOk(ToolCompleted.DENIED, reason);
    }

    /** A refusal by policy; {@code refusal} names the policy (e.g. {@code payment}) for analytics. */
    public static ToolResult refused(String refusal, String reason) {
        ToolResult denied = denied(reason);
        Map<String, Object> output = new LinkedHashMap<>(denied.output());
        output.put("refusal", refusal);
        return new ToolResult(denied.status(), output, reason);
    }

    public static ToolResult failed(String reason) {
        return notOk(ToolCompleted.FAILED, reason);
    }

    public static ToolResult timedOut(String reason) {
        return notOk(ToolCompleted.TIMEOUT, reason);
    }

    private static ToolResult notOk(String status, String reason) {
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("status", status);
        output.put("reason", reason);
        return new ToolResult(status, output, reason);
    }
}
