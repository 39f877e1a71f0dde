package dev.voiceagent.contracts;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The envelope every event travels in, written as a CloudEvents 1.0 structured JSON message: id, type,
 * source, time, subject (the call SID) and the extensions {@code tenantid}, {@code callsid} and
 * {@code schemaversion}. Consumers deduplicate by {@link #id()}.
 */
public record EventEnvelope<T extends VoiceEvent>(String id, EventType type, String source, Instant time,
                                                   String tenantId, String callSid, int schemaVersion, T data) {

    public static final int SCHEMA_VERSION = 1;

    public EventEnvelope {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(data, "data");
        if (type.payloadType() != data.getClass()) {
            throw new IllegalArgumentException(type.wireName() + " cannot carry " + data.getClass().getSimpleName());
        }
    }

    /** A new envelope with a random id and the current time. */
    public static <T extends VoiceEvent> EventEnvelope<T> of(String source, String tenantId, String callSid, T data) {
        return new EventEnvelope<>(UUID.randomUUID().toString(), EventType.of(data), source, Instant.now(),
                tenantId, callSid, SCHEMA_VERSION, data);
    }

    /** The Kafka record key: the call SID for call-scoped events, the tenant id for config. */
    public String key() {
        return callSid != null ? callSid : tenantId;
    }

    public String topic() {
        return type.topic();
    }
}
