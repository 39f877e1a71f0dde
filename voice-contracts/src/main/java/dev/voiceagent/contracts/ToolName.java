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
    NOOP("noop"),
    /**
     * Keys pressed on the call's keypad (DTMF). The media bridge plays the tones in the call's own audio, so this tool
     * never becomes a tool request: the tool executor has nothing to run for it.
     */
    SEND_DTMF("send_dtmf");

    private final String wire;

    ToolName(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    /** Whether the media bridge carries this tool out itself, in the call (never a request on Kafka). */
    public boolean inCall() {
        return this == SEND_DTMF;
    }

    public static Optional<ToolName> find(String value) {
        return Arrays.stream(values()).filter(t -> t.wire.equals(value)).findFirst();
    }

    @JsonCreator
    public static ToolName fromWire(String value) {
        return find(value).orElseThrow(() -> new IllegalArgumentException("unknown tool: " + value));
    }
}
