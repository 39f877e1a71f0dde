package dev.voiceagent.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Encodes and decodes {@link EventEnvelope}s as CloudEvents structured JSON. Payload fields are snake_case;
 * unknown payload fields are ignored (events are additive within a version) and unknown event types decode
 * to {@link Optional#empty()} so that a consumer can skip them.
 */
public final class EventCodec {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
            .changeDefaultPropertyInclusion(v -> v.withValueInclusion(JsonInclude.Include.NON_NULL))
            .build();

    private EventCodec() {
    }

    /** The mapper used for payloads: snake_case, ISO-8601 times, nulls left out. */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    public static String encode(EventEnvelope<?> envelope) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("specversion", "1.0");
        root.put("id", envelope.id());
        root.put("type", envelope.type().wireName());
        root.put("source", envelope.source());
        root.put("time", envelope.time().toString());
        root.put("datacontenttype", "application/json");
        if (envelope.callSid() != null) {
            root.put("subject", envelope.callSid());
            root.put("callsid", envelope.callSid());
        }
        if (envelope.tenantId() != null) {
            root.put("tenantid", envelope.tenantId());
        }
        root.put("schemaversion", envelope.schemaVersion());
        root.set("data", MAPPER.valueToTree(envelope.data()));
        return MAPPER.writeValueAsString(root);
    }

    /**
     * Decodes one message. Empty when the type is one this version does not know.
     *
     * @throws EventDecodingException when the message is not a well-formed envelope
     */
    public static Optional<EventEnvelope<VoiceEvent>> decode(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new EventDecodingException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new EventDecodingException("an event must be a JSON object");
        }
        Optional<EventType> type = EventType.byWireName(text(root, "type"));
        if (type.isEmpty()) {
            return Optional.empty();
        }
        JsonNode data = root.get("data");
        if (data == null || !data.isObject()) {
            throw new EventDecodingException(type.get().wireName() + " has no data object");
        }
        try {
            VoiceEvent payload = MAPPER.treeToValue(data, type.get().payloadType());
            return Optional.of(new EventEnvelope<>(text(root, "id"), type.get(), text(root, "source"),
                    Instant.parse(text(root, "time")), optionalText(root, "tenantid"),
                    optionalText(root, "callsid"), root.path("schemaversion").asInt(EventEnvelope.SCHEMA_VERSION),
                    payload));
        } catch (RuntimeException e) {
            throw new EventDecodingException("invalid " + type.get().wireName() + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode root, String field) {
        String value = optionalText(root, field);
        if (value == null) {
            throw new EventDecodingException("missing attribute '" + field + "'");
        }
        return value;
    }

    private static String optionalText(JsonNode root, String field) {
        JsonNode node = root.get(field);
        return node == null || node.isNull() ? null : node.asString();
    }
}
