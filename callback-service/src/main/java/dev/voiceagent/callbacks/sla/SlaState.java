package dev.voiceagent.callbacks.sla;

import dev.voiceagent.callbacks.task.CallbackTask;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * Where an active (open or claimed) task stands against its SLA: {@code breached} past its due time,
 * {@code at_risk} when less than the at-risk share of its SLA window (its priority's SLA) remains, else
 * {@code on_track}.
 */
public enum SlaState {
    ON_TRACK("on_track"),
    AT_RISK("at_risk"),
    BREACHED("breached");

    public static final Set<String> ACTIVE = Set.of(CallbackTask.OPEN, CallbackTask.CLAIMED);

    private final String wire;

    SlaState(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<SlaState> fromWire(String value) {
        return Arrays.stream(values()).filter(s -> s.wire.equals(value)).findFirst();
    }

    /** Null for a task that is no longer active; {@code window} is the SLA of the task's priority. */
    public static SlaState of(CallbackTask task, Duration window, Instant now, double atRiskShare) {
        if (!ACTIVE.contains(task.status())) {
            return null;
        }
        return of(task.dueAt().minus(window), task.dueAt(), now, atRiskShare);
    }

    public static SlaState of(Instant start, Instant due, Instant now, double atRiskShare) {
        if (!now.isBefore(due)) {
            return BREACHED;
        }
        long windowMs = Math.max(0, Duration.between(start, due).toMillis());
        long leftMs = Duration.between(now, due).toMillis();
        return leftMs <= windowMs * atRiskShare ? AT_RISK : ON_TRACK;
    }
}
