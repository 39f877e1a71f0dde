package dev.voiceagent.gateway.calllog;

import java.util.Arrays;
import java.util.Optional;

/**
 * Twilio call statuses in their only allowed order: queued &lt; initiated &lt; ringing &lt; in-progress &lt; a
 * terminal status. Terminal statuses share one rank, so the first one reported is final.
 */
public enum CallStatus {
    QUEUED("queued", 0),
    INITIATED("initiated", 1),
    RINGING("ringing", 2),
    IN_PROGRESS("in-progress", 3),
    COMPLETED("completed", 4),
    BUSY("busy", 4),
    FAILED("failed", 4),
    NO_ANSWER("no-answer", 4),
    CANCELED("canceled", 4);

    private final String wire;
    private final int rank;

    CallStatus(String wire, int rank) {
        this.wire = wire;
        this.rank = rank;
    }

    public String wire() {
        return wire;
    }

    public int rank() {
        return rank;
    }

    public boolean terminal() {
        return rank == 4;
    }

    /** Whether moving from this status to {@code next} is progress (never backwards, never sideways). */
    public boolean canAdvanceTo(CallStatus next) {
        return next.rank > rank;
    }

    public static Optional<CallStatus> fromWire(String value) {
        return Arrays.stream(values()).filter(s -> s.wire.equalsIgnoreCase(value)).findFirst();
    }
}
