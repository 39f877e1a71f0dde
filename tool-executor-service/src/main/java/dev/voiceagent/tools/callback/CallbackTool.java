package dev.voiceagent.tools.callback;

import dev.voiceagent.contracts.CallbackRequested;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.EventType;
import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.tools.execution.Tool;
import dev.voiceagent.tools.execution.ToolCall;
import dev.voiceagent.tools.execution.ToolResult;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * {@code callback}: {@code {reason, priority?, preferred_time?}} becomes {@code voice.callback.requested} on
 * {@code voice.callbacks.v1}; answers {@code {callback_id, status:"queued"}}. The callback id and the event id
 * derive from the tool call id, so a repeated request (even one that raced past the result store) names the
 * same callback and the callback service opens one task.
 */
@Component
public class CallbackTool implements Tool {

    static final Set<String> PRIORITIES = Set.of("low", "normal", "high", "urgent");

    private final EventPublisher events;

    public CallbackTool(EventPublisher events) {
        this.events = events;
    }

    @Override
    public ToolName name() {
        return ToolName.CALLBACK;
    }

    @Override
    public Mono<ToolResult> execute(ToolCall call) {
        String reason = call.argument("reason");
        if (reason == null) {
            return Mono.just(ToolResult.failed("I need a short reason for the callback before I can arrange it."));
        }
        String preferredText = call.argument("preferred_time");
        Instant preferred = parseTime(preferredText);
        String fullReason = preferred == null && preferredText != null
                ? reason + " (preferred time: " + preferredText + ")" : reason;
        return request(call.tenantId(), call.callSid(), call.request().callerNumber(), call.request().toolCallId(),
                fullReason, priority(call.argument("priority")), preferred)
                .map(callbackId -> {
                    Map<String, Object> output = new LinkedHashMap<>();
                    output.put("callback_id", callbackId);
                    output.put("status", "queued");
                    return ToolResult.ok(output);
                });
    }

    /**
     * Publishes {@code voice.callback.requested} for a tool call (also used by escalation when a transfer cannot
     * happen) and answers the callback id; the ids derive from the tool call id, so a repeat names the same task.
     */
    public Mono<String> request(String tenantId, String callSid, String callerNumber, String toolCallId,
                                String reason, String priority, Instant preferred) {
        String callbackId = callbackId(tenantId, toolCallId);
        CallbackRequested requested = new CallbackRequested(callbackId, reason, priority(priority), callerNumber,
                preferred, toolCallId);
        EventEnvelope<CallbackRequested> envelope = new EventEnvelope<>(deterministicId("event:" + callbackId),
                EventType.CALLBACK_REQUESTED, events.source(), Instant.now(), tenantId, callSid,
                EventEnvelope.SCHEMA_VERSION, requested);
        return events.publish(envelope).thenReturn(callbackId);
    }

    /** Deterministic per (tenant, tool call). */
    public static String callbackId(String tenantId, String toolCallId) {
        return "cb_" + deterministicId(tenantId + ":" + toolCallId).replace("-", "");
    }

    static String priority(String requested) {
        String p = requested == null ? "normal" : requested.toLowerCase(Locale.ROOT);
        return PRIORITIES.contains(p) ? p : "normal";
    }

    /** ISO-8601 with an offset; anything else (the model may pass "tomorrow morning") stays in the reason. */
    static Instant parseTime(String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String deterministicId(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
