package dev.voiceagent.config.support;

import java.util.LinkedHashMap;
import dev.voiceagent.contracts.TenantConfigPublished;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/** Validates a {@code limits} object: known keys only, each a whole number within its own range. */
public final class Limits {

    /** The allowed range of one limit. */
    public record Range(int min, int max) {
    }

    private Limits() {
    }

    public static Optional<Map<String, Integer>> read(JsonFields parent, String field, Map<String, Range> allowed) {
        if (!parent.has(field)) {
            return Optional.empty();
        }
        JsonFields limits = JsonFields.object(parent.raw(field), parent.name(field) + ".", parent.name(field),
                allowed.keySet());
        Map<String, Integer> values = new LinkedHashMap<>();
        allowed.forEach((key, range) -> limits.optionalInt(key, range.min(), range.max())
                .ifPresent(value -> values.put(key, value)));
        return Optional.of(values);
    }

    /** Limits as stored (a JSON object of integers) back to a map; unknown shapes are a bug, not input. */
    public static Map<String, Integer> fromJson(JsonNode node) {
        Map<String, Integer> values = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.properties().forEach(e -> values.put(e.getKey(), e.getValue().asInt()));
        }
        return values;
    }

    /** The per-call limits of a runtime config as the published view carries them. */
    public static TenantConfigPublished.CallLimits callLimits(Map<String, Integer> limits) {
        return new TenantConfigPublished.CallLimits(limits.get("max_call_duration_seconds"), limits.get("max_tool_calls"),
                limits.get("silence_timeout_seconds"), limits.get("max_silence_prompts"));
    }
}
