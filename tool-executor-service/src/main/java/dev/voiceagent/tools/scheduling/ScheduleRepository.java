package dev.voiceagent.tools.scheduling;

import io.r2dbc.spi.Readable;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Slots ({@code tools.schedule_slots}) and bookings ({@code tools.bookings}). Double booking is prevented by the
 * database: a partial unique index allows one {@code booked} row per slot, so of concurrent requests for one
 * slot exactly one insert (or move) succeeds.
 */
@Repository
public class ScheduleRepository {

    static final String BOOKED = "booked";
    static final String CANCELLED = "cancelled";
    private static final String SLOT_COLUMNS = "s.slot_id, s.resource, s.starts_at, s.ends_at";

    private final DatabaseClient db;

    public ScheduleRepository(DatabaseClient db) {
        this.db = db;
    }

    /** Adds slots that are not there yet (same resource and start); answers how many were new. */
    public Mono<Long> addSlots(String tenantId, List<Slot> slots) {
        return Flux.fromIterable(slots)
                .concatMap(slot -> db.sql("INSERT INTO schedule_slots (tenant_id, slot_id, resource, starts_at, ends_at) "
                                + "VALUES (:tenant, :slot, :resource, :starts, :ends) ON CONFLICT DO NOTHING")
                        .bind("tenant", tenantId).bind("slot", slot.slotId()).bind("resource", slot.resource())
                        .bind("starts", utc(slot.startsAt())).bind("ends", utc(slot.endsAt()))
                        .fetch().rowsUpdated())
                .reduce(0L, Long::sum);
    }

    /** Free slots starting in [from, to), soonest first. */
    public Flux<Slot> available(String tenantId, Instant from, Instant to, String resource, int limit) {
        var spec = db.sql("SELECT " + SLOT_COLUMNS + " FROM schedule_slots s WHERE s.tenant_id = :tenant "
                        + "AND s.starts_at >= :from AND s.starts_at < :to "
                        + (resource == null ? "" : "AND s.resource = :resource ")
                        + "AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.tenant_id = s.tenant_id "
                        + "AND b.slot_id = s.slot_id AND b.status = 'booked') "
                        + "ORDER BY s.starts_at, s.resource LIMIT :limit")
                .bind("tenant", tenantId).bind("from", utc(from)).bind("to", utc(to)).bind("limit", limit);
        if (resource != null) {
            spec = spec.bind("resource", resource);
        }
        return spec.map(ScheduleRepository::toSlot).all();
    }

    public Mono<Slot> slot(String tenantId, String slotId) {
        return db.sql("SELECT " + SLOT_COLUMNS + " FROM schedule_slots s WHERE s.tenant_id = :tenant AND s.slot_id = :slot")
                .bind("tenant", tenantId).bind("slot", slotId)
                .map(ScheduleRepository::toSlot).one();
    }

    /**
     * Books the slot under {@code bookingId}; answers false when another booking holds it. A repeat of the same
     * booking id (a raced redelivery) finds its own row and answers true.
     */
    public Mono<Boolean> book(String tenantId, String bookingId, String slotId, String callerNumber, String callSid,
                              String toolCallId) {
        var spec = db.sql("INSERT INTO bookings (tenant_id, booking_id, slot_id, caller_number, call_sid, tool_call_id, "
                        + "status) VALUES (:tenant, :booking, :slot, :caller, :callSid, :toolCallId, 'booked') "
                        + "ON CONFLICT DO NOTHING")
                .bind("tenant", tenantId).bind("booking", bookingId).bind("slot", slotId)
                .bind("toolCallId", toolCallId);
        spec = callerNumber == null ? spec.bindNull("caller", String.class) : spec.bind("caller", callerNumber);
        spec = callSid == null ? spec.bindNull("callSid", String.class) : spec.bind("callSid", callSid);
        return spec.fetch().rowsUpdated()
                .flatMap(inserted -> inserted > 0 ? Mono.just(true)
                        : booking(tenantId, bookingId)
                                .map(existing -> BOOKED.equals(existing.status())
                                        && existing.slot().slotId().equals(slotId))
                                .defaultIfEmpty(false));
    }

    public Mono<Booking> booking(String tenantId, String bookingId) {
        return db.sql("SELECT b.booking_id, b.caller_number, b.tool_call_id, b.status, " + SLOT_COLUMNS
                        + " FROM bookings b JOIN schedule_slots s ON s.tenant_id = b.tenant_id AND s.slot_id = b.slot_id "
                        + "WHERE b.tenant_id = :tenant AND b.booking_id = :booking")
                .bind("tenant", tenantId).bind("booking", bookingId)
                .map(row -> new Booking(row.get("booking_id", String.class), toSlot(row),
                        row.get("caller_number", String.class), row.get("tool_call_id", String.class),
                        row.get("status", String.class)))
                .one();
    }

    /** Moves an active booking to another slot; answers false when that slot is taken. */
    public Mono<Boolean> move(String tenantId, String bookingId, String slotId) {
        return db.sql("UPDATE bookings SET slot_id = :slot, updated_at = now() WHERE tenant_id = :tenant "
                        + "AND booking_id = :booking AND status = 'booked'")
                .bind("tenant", tenantId).bind("booking", bookingId).bind("slot", slotId)
                .fetch().rowsUpdated()
                .map(updated -> updated > 0)
                .onErrorResume(DataIntegrityViolationException.class, e -> Mono.just(false));
    }

    /** Cancels a booking (again cancelling a cancelled one changes nothing). */
    public Mono<Void> cancel(String tenantId, String bookingId) {
        return db.sql("UPDATE bookings SET status = 'cancelled', updated_at = now() WHERE tenant_id = :tenant "
                        + "AND booking_id = :booking")
                .bind("tenant", tenantId).bind("booking", bookingId)
                .fetch().rowsUpdated().then();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static Slot toSlot(Readable row) {
        return new Slot(row.get("slot_id", String.class), row.get("resource", String.class),
                row.get("starts_at", OffsetDateTime.class).toInstant(),
                row.get("ends_at", OffsetDateTime.class).toInstant());
    }
}
