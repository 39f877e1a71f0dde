package dev.voiceagent.contracts;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/** The one outcome vocabulary used by every service and API. */
public enum Outcome {
    RESOLVED("resolved"),
    TRANSFERRED("transferred"),
    CALLBACK_CREATED("callback_created"),
    NO_ANSWER("no_answer"),
    FAILED_AUTHENTICATION("failed_authentication"),
    ABANDONED("abandoned"),
    FAILED("failed");

    private final String wire;

    Outcome(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    @JsonCreator
    public static Outcome fromWire(String value) {
        return Arrays.stream(values()).filter(o -> o.wire.equals(value)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown outcome: " + value));
    }
}
