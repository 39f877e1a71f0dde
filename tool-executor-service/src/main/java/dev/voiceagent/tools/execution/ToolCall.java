package dev.voiceagent.tools.execution;

import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import java.time.Instant;
import java.util.Map;

/**
 * One tool request with the tenant and call it belongs to and the service that sent it (from its envelope): the
 * media bridge for a call's model, or a platform service acting on its own ({@code scope/ServiceRequests}) — and
 * when it was requested (the envelope's {@code time}; null when unknown).
 */
public record ToolCall(String tenantId, String callSid, ToolRequested request, String source, Instant requestedAt) {

    /** A request from a call's model (the media bridge), of unknown age. */
    public ToolCall(String tenantId, String callSid, ToolRequested request) {
        this(tenantId, callSid, request, null, null);
    }

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
