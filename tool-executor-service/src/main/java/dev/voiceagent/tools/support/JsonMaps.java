package dev.voiceagent.tools.support;

import dev.voiceagent.contracts.EventCodec;
import java.util.Map;
import tools.jackson.core.type.TypeReference;

/** Tool outputs as JSON text for JSONB columns, and back, with the event payload mapper. */
public final class JsonMaps {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private JsonMaps() {
    }

    public static String write(Map<String, ?> value) {
        return EventCodec.mapper().writeValueAsString(value);
    }

    public static Map<String, Object> read(String json) {
        return EventCodec.mapper().readValue(json, MAP);
    }
}
