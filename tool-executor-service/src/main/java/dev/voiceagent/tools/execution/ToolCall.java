package dev.voiceagent.tools.execution;

import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import java.util.Map;

/** One tool request with the tenant and call it belongs to (from its envelope). */
public record ToolCall(String tenantId, String callSid, ToolRequested request) {

    public Map<String, Object> arguments() {
        return request.arguments() == null ? Map.of() : request.arguments();
    }

    /** A scalar argument as trimmed text; empty or missing arguments are null. */
    public String argument(String name) {
        Object value = arguments().get(name);
        if (value == null || value instanceof Map || value instanceof Iterable) {
            return null;
        }
        String text = String.valueOf(value).trim();
        return text.isEmpty() ? null : text;
    }
}
