package dev.voiceagent.tools.scheduling;

import java.time.Instant;

/** A bookable slot of one resource (a person, a room, a queue) of a tenant. */
public record Slot(String slotId, String resource, Instant startsAt, Instant endsAt) {
}
