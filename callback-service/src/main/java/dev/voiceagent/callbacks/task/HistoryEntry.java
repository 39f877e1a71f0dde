package dev.voiceagent.callbacks.task;

import java.time.Instant;

/** One change in a task's life: opened, merged, claimed, reassigned, completed, cancelled, expired, flagged, notified. */
public record HistoryEntry(Instant at, String action, String actor, String detail) {
}
