package dev.voiceagent.config.support;

import dev.voiceagent.support.Problems;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads a JSON request object field by field, rejecting unknown fields and wrong types with a 400 that names
 * the field (with its path, e.g. {@code limits.max_concurrent_calls}).
 */
public final class JsonFields {

    private final JsonNode node;
    private final String path;

    private JsonFields(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    /** The top-level body: must be an object with no fields outside {@code allowed}. */
    public static JsonFields body(JsonNode body, Set<String> allowed) {
        return object(body, "", "body", allowed);
    }

    /** A nested object at {@code name} (already prefixed by its parent's path). */
    public static JsonFields object(JsonNode node, String path, String name, Set<String> allowed) {
        if (node == null || !node.isObject()) {
            throw Problems.invalidField(name, "must be a JSON object");
        }
        for (String field : node.propertyNames()) {
            if (!allowed.contains(field)) {
                throw Problems.invalidField(path + field, "unknown field");
            }
        }
        return new JsonFields(node, path);
    }

    public String name(String field) {
        return path + field;
    }

    public boolean has(String field) {
        JsonNode value = node.get(field);
        return value != null && !value.isNull();
    }

    public JsonNode raw(String field) {
        return node.get(field);
    }

    public String requiredString(String field, int maxLength) {
        return optionalString(field, maxLength)
                .orElseThrow(() -> Problems.invalidField(name(field), "is required"));
    }

    public Optional<String> optionalString(String field, int maxLength) {
        if (!has(field)) {
            return Optional.empty();
        }
        JsonNode value = node.get(field);
        if (!value.isString()) {
            throw Problems.invalidField(name(field), "must be a string");
        }
        String text = value.stringValue().strip();
        if (text.isEmpty()) {
            throw Problems.invalidField(name(field), "must not be blank");
        }
        if (text.length() > maxLength) {
            throw Problems.invalidField(name(field), "must be at most " + maxLength + " characters");
        }
        return Optional.of(text);
    }

    public Optional<Boolean> optionalBoolean(String field) {
        if (!has(field)) {
            return Optional.empty();
        }
        JsonNode value = node.get(field);
        if (!value.isBoolean()) {
            throw Problems.invalidField(name(field), "must be true or false");
        }
        return Optional.of(value.booleanValue());
    }

    public Optional<Integer> optionalInt(String field, int min, int max) {
        if (!has(field)) {
            return Optional.empty();
        }
        JsonNode value = node.get(field);
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw Problems.invalidField(name(field), "must be an integer");
        }
        int number = value.intValue();
        if (number < min || number > max) {
            throw Problems.invalidField(name(field), "must be between " + min + " and " + max);
        }
        return Optional.of(number);
    }

    public Optional<Double> optionalNumber(String field, double min, double max) {
        if (!has(field)) {
            return Optional.empty();
        }
        JsonNode value = node.get(field);
        if (!value.isNumber()) {
            throw Problems.invalidField(name(field), "must be a number");
        }
        double number = value.doubleValue();
        if (number < min || number > max) {
            throw Problems.invalidField(name(field), "must be between " + min + " and " + max);
        }
        return Optional.of(number);
    }

    /** A list of non-blank strings; each element's problem names it as {@code field[i]}. */
    public Optional<List<String>> optionalStringList(String field, int maxItems, int maxLength) {
        if (!has(field)) {
            return Optional.empty();
        }
        List<JsonNode> items = array(field, maxItems);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String itemName = name(field) + "[" + i + "]";
            if (!item.isString() || item.stringValue().isBlank()) {
                throw Problems.invalidField(itemName, "must be a non-blank string");
            }
            if (item.stringValue().length() > maxLength) {
                throw Problems.invalidField(itemName, "must be at most " + maxLength + " characters");
            }
            values.add(item.stringValue().strip());
        }
        return Optional.of(values);
    }

    /** The elements of an array field (empty list when absent). */
    public List<JsonNode> array(String field, int maxItems) {
        if (!has(field)) {
            return List.of();
        }
        JsonNode value = node.get(field);
        if (!value.isArray()) {
            throw Problems.invalidField(name(field), "must be an array");
        }
        if (value.size() > maxItems) {
            throw Problems.invalidField(name(field), "must have at most " + maxItems + " items");
        }
        return List.copyOf(value.values());
    }
}
