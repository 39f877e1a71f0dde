package dev.voiceagent.tools.scheduling;

import dev.voiceagent.contracts.TenantConfigPublished;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Time handling of scheduling, explicit about zones: times in are ISO-8601, with an offset or else read in the
 * tenant's time zone; times out are ISO-8601 with the tenant's offset at that instant.
 */
public final class SlotTimes {

    private SlotTimes() {
    }

    /** The tenant's zone from its view; UTC when unset or invalid. */
    public static ZoneId zone(Optional<TenantConfigPublished> tenant) {
        return tenant.map(TenantConfigPublished::timeZone).filter(z -> !z.isBlank()).flatMap(z -> {
            try {
                return Optional.of(ZoneId.of(z));
            } catch (DateTimeException e) {
                return Optional.empty();
            }
        }).orElse(ZoneOffset.UTC);
    }

    /** ISO-8601 with an offset, or a local date-time in {@code zone}; null when it is neither. */
    public static Instant parse(String text, ZoneId zone) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException withoutOffset) {
            try {
                return LocalDateTime.parse(text).atZone(zone).toInstant();
            } catch (DateTimeParseException e) {
                return null;
            }
        }
    }

    /** Only ISO-8601 with an offset (what the admin API requires). */
    public static Instant parseWithOffset(String text) {
        try {
            return text == null ? null : OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    public static String format(Instant instant, ZoneId zone) {
        return instant.atZone(zone).toOffsetDateTime().toString();
    }

    public static Map<String, Object> describe(Slot slot, ZoneId zone) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("slot_id", slot.slotId());
        out.put("resource", slot.resource());
        out.put("starts_at", format(slot.startsAt(), zone));
        out.put("ends_at", format(slot.endsAt(), zone));
        return out;
    }

    /** Deterministic per tenant, resource and start. */
    public static String slotId(String tenantId, String resource, Instant startsAt) {
        return "sl_" + UUID.nameUUIDFromBytes((tenantId + ":" + resource + ":" + startsAt)
                .getBytes(StandardCharsets.UTF_8)).toString().replace("-", "").substring(0, 20);
    }
}
