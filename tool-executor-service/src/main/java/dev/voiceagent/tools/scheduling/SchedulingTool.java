package dev.voiceagent.tools.scheduling;

import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.tools.execution.Tool;
import dev.voiceagent.tools.execution.ToolCall;
import dev.voiceagent.tools.execution.ToolResult;
import dev.voiceagent.tools.lookup.CallerNumbers;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * {@code scheduling}: {@code action} = {@code available} ({@code from?, to?, resource?}), {@code book}
 * ({@code slot_id} or {@code starts_at} + {@code resource?}), {@code reschedule} ({@code booking_id} + new slot) or
 * {@code cancel} ({@code booking_id}). Times out carry the tenant's offset ({@code time_zone} names the zone). A
 * caller may only change bookings made from the number they call from, or from the one registered to the account
 * they verified by PIN ({@link CallerNumbers}). The booking id derives
 * from the tool call id, so a redelivered request finds its own booking instead of booking twice.
 */
@Component
public class SchedulingTool implements Tool {

    static final Duration DEFAULT_WINDOW = Duration.ofDays(14);
    static final int MAX_SLOTS = 10;
    static final String NOT_YOURS = "I can only change bookings made from the number you're calling from until "
            + "I've verified your identity.";
    static final String NOT_FOUND_FOR_YOU = "I couldn't find a booking with that reference made from the number "
            + "you're calling from or the one registered to your account.";

    private final ScheduleRepository schedule;
    private final TenantDirectory tenants;
    private final CallerNumbers callerNumbers;
    private final Clock clock;

    @Autowired
    public SchedulingTool(ScheduleRepository schedule, TenantDirectory tenants, CallerNumbers callerNumbers) {
        this(schedule, tenants, callerNumbers, Clock.systemUTC());
    }

    SchedulingTool(ScheduleRepository schedule, TenantDirectory tenants, CallerNumbers callerNumbers, Clock clock) {
        this.schedule = schedule;
        this.tenants = tenants;
        this.callerNumbers = callerNumbers;
        this.clock = clock;
    }

    @Override
    public ToolName name() {
        return ToolName.SCHEDULING;
    }

    @Override
    public Mono<ToolResult> execute(ToolCall call) {
        ZoneId zone = SlotTimes.zone(tenants.byId(call.tenantId()));
        String action = call.argument("action") == null ? "available"
                : call.argument("action").toLowerCase(Locale.ROOT);
        return switch (action) {
            case "available", "slots", "list" -> available(call, zone);
            case "book" -> book(call, zone);
            case "reschedule" -> reschedule(call, zone);
            case "cancel" -> cancel(call, zone);
            default -> Mono.just(ToolResult.failed("I can list free times, book, reschedule or cancel; "
                    + "which would you like?"));
        };
    }

    private Mono<ToolResult> available(ToolCall call, ZoneId zone) {
        Instant now = clock.instant();
        Instant from = SlotTimes.parse(call.argument("from"), zone);
        Instant to = SlotTimes.parse(call.argument("to"), zone);
        Instant start = from == null || from.isBefore(now) ? now : from;
        Instant end = to == null ? start.plus(DEFAULT_WINDOW) : to;
        return schedule.available(call.tenantId(), start, end, call.argument("resource"), MAX_SLOTS)
                .map(slot -> SlotTimes.describe(slot, zone))
                .collectList()
                .map(slots -> ToolResult.ok(withZone(Map.of("slots", slots), zone)));
    }

    private Mono<ToolResult> book(ToolCall call, ZoneId zone) {
        String bookingId = bookingId(call.tenantId(), call.request().toolCallId());
        return targetSlot(call, zone)
                .flatMap(slot -> schedule.book(call.tenantId(), bookingId, slot.slotId(),
                                call.request().callerNumber(), call.callSid(), call.request().toolCallId())
                        .flatMap(booked -> booked ? Mono.just(ToolResult.ok(booked(bookingId, slot, zone)))
                                : taken(call, slot, zone)))
                .switchIfEmpty(Mono.defer(() -> Mono.just(noSuchSlot())));
    }

    private Mono<ToolResult> reschedule(ToolCall call, ZoneId zone) {
        return ownBooking(call, zone, booking -> targetSlot(call, zone)
                .flatMap(slot -> schedule.move(call.tenantId(), booking.bookingId(), slot.slotId())
                        .flatMap(moved -> moved ? Mono.just(ToolResult.ok(booked(booking.bookingId(), slot, zone)))
                                : taken(call, slot, zone)))
                .switchIfEmpty(Mono.defer(() -> Mono.just(noSuchSlot()))));
    }

    private Mono<ToolResult> cancel(ToolCall call, ZoneId zone) {
        return ownBooking(call, zone, booking -> schedule.cancel(call.tenantId(), booking.bookingId())
                .thenReturn(ToolResult.ok(withZone(Map.of("booking_id", booking.bookingId(), "status", "cancelled",
                        "starts_at", SlotTimes.format(booking.slot().startsAt(), zone)), zone))));
    }

    /**
     * Runs {@code then} on an active booking the caller may change (one made from their own number, or from the one
     * registered to the account they verified); the same refusal whether or not it exists.
     */
    private Mono<ToolResult> ownBooking(ToolCall call, ZoneId zone,
                                        java.util.function.Function<Booking, Mono<ToolResult>> then) {
        String bookingId = call.argument("booking_id");
        if (bookingId == null) {
            return Mono.just(ToolResult.failed("I need the booking reference to change a booking."));
        }
        return schedule.booking(call.tenantId(), bookingId)
                .filterWhen(booking -> callerNumbers.mayActFor(call, booking.callerNumber()))
                .flatMap(booking -> ScheduleRepository.BOOKED.equals(booking.status()) ? then.apply(booking)
                        : Mono.just(ToolResult.failed("That booking was already cancelled.")))
                .switchIfEmpty(Mono.fromSupplier(() -> ToolResult.denied(call.request().verifiedAccount() == null
                        ? NOT_YOURS : NOT_FOUND_FOR_YOU)));
    }

    /** The slot named by {@code slot_id}, or the first free one at {@code starts_at}; empty when there is none. */
    private Mono<Slot> targetSlot(ToolCall call, ZoneId zone) {
        Instant now = clock.instant();
        if (call.argument("slot_id") != null) {
            return schedule.slot(call.tenantId(), call.argument("slot_id")).filter(slot -> slot.startsAt().isAfter(now));
        }
        Instant startsAt = SlotTimes.parse(call.argument("starts_at"), zone);
        if (startsAt == null || !startsAt.isAfter(now)) {
            return Mono.empty();
        }
        return schedule.available(call.tenantId(), startsAt, startsAt.plusSeconds(1), call.argument("resource"), 1)
                .next();
    }

    private Mono<ToolResult> taken(ToolCall call, Slot slot, ZoneId zone) {
        return schedule.available(call.tenantId(), clock.instant().isAfter(slot.startsAt()) ? clock.instant()
                        : slot.startsAt(), slot.startsAt().plus(DEFAULT_WINDOW), slot.resource(), 3)
                .map(free -> SlotTimes.describe(free, zone))
                .collectList()
                .map(alternatives -> unavailable("That time has just been taken. Shall I offer you another one?",
                        alternatives, zone));
    }

    private static ToolResult noSuchSlot() {
        return ToolResult.failed("I couldn't find a free time matching that. I can list the available times.");
    }

    private static ToolResult unavailable(String reason, List<Map<String, Object>> alternatives, ZoneId zone) {
        ToolResult failed = ToolResult.failed(reason);
        Map<String, Object> output = new LinkedHashMap<>(failed.output());
        output.put("booked", false);
        output.put("alternatives", alternatives);
        output.put("time_zone", zone.getId());
        return new ToolResult(failed.status(), output, reason);
    }

    private static Map<String, Object> booked(String bookingId, Slot slot, ZoneId zone) {
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("booked", true);
        output.put("booking_id", bookingId);
        output.putAll(SlotTimes.describe(slot, zone));
        return withZone(output, zone);
    }

    private static Map<String, Object> withZone(Map<String, Object> output, ZoneId zone) {
        Map<String, Object> copy = new LinkedHashMap<>(output);
        copy.put("time_zone", zone.getId());
        return copy;
    }

    /** Deterministic per (tenant, tool call). */
    static String bookingId(String tenantId, String toolCallId) {
        return "bk_" + UUID.nameUUIDFromBytes((tenantId + ":" + toolCallId).getBytes(StandardCharsets.UTF_8))
                .toString().replace("-", "").substring(0, 20);
    }
}
