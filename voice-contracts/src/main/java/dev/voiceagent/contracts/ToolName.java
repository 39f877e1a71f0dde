package dev.voiceagent.contracts;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;

/** The closed set of tools an agent contract can allow. */
public enum ToolName {
    LOOKUP("lookup"),
    SMS("sms"),
    SCHEDULING("scheduling"),
    ESCALATION("escalation"),
    CALLBACK("callback"),
    EVALUATION("evaluation"),
    NOOP("noop");

    private final String wire;

    ToolName(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    public static Optional<ToolName> find(String value) {
        return Arrays.stream(values()).filter(t -> t.wire.equals(value)).findFirst();
    }

    @JsonCreator
    public static ToolName fromWire(String value) {
        return find(value).orElseThrow(() -> new IllegalArgumentException("unknown tool: " + value));
    }
}
