package dev.voiceagent.tools.escalation;

import dev.voiceagent.contracts.TenantConfigPublished;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * When humans can take a transfer, in the tenant's zone: {@code "MON-FRI 09:00-17:00; SAT 10:00-14:00"} (days as a
 * range or a comma list, a time range per rule, rules separated by {@code ;}). Blank means always open.
 */
public final class BusinessHours {

    private record Rule(Set<DayOfWeek> days, LocalTime opens, LocalTime closes) {
        boolean covers(ZonedDateTime time) {
            LocalTime t = time.toLocalTime();
            return days.contains(time.getDayOfWeek()) && !t.isBefore(opens) && t.isBefore(closes);
        }
    }

    private static final BusinessHours ALWAYS = new BusinessHours(null);

    private final List<Rule> rules;

    private BusinessHours(List<Rule> rules) {
        this.rules = rules;
    }

    public static BusinessHours alwaysOpen() {
        return ALWAYS;
    }

    /** Parses the spec; throws {@link IllegalArgumentException} with the offending part. */
    public static BusinessHours parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return ALWAYS;
        }
        List<Rule> rules = new ArrayList<>();
        for (String part : spec.split(";")) {
            String[] fields = part.trim().split("\\s+");
            if (fields.length != 2) {
                throw new IllegalArgumentException("business hours rule '" + part.trim() + "' must be 'DAYS HH:MM-HH:MM'");
            }
            String[] times = fields[1].split("-");
            if (times.length != 2) {
                throw new IllegalArgumentException("business hours time range '" + fields[1] + "' must be HH:MM-HH:MM");
            }
            rules.add(new Rule(days(fields[0]), LocalTime.parse(times[0]), LocalTime.parse(times[1])));
        }
        return new BusinessHours(List.copyOf(rules));
    }

    /**
     * The agent contract's hours ({@code business_hours.days}: {@code mon} … {@code sun} to {@code "HH:MM-HH:MM"}, as
     * published in the version's windows); no windows means always open.
     */
    public static BusinessHours of(List<TenantConfigPublished.Window> windows) {
        if (windows == null || windows.isEmpty()) {
            return ALWAYS;
        }
        return new BusinessHours(windows.stream()
                .map(window -> new Rule(EnumSet.of(day(window.day().toUpperCase(Locale.ROOT))),
                        LocalTime.parse(window.opens()), closing(window.closes())))
                .toList());
    }

    private static LocalTime closing(String time) {
        return "24:00".equals(time) ? LocalTime.MAX : LocalTime.parse(time);
    }

    public boolean isOpen(Instant now, ZoneId zone) {
        if (rules == null) {
            return true;
        }
        ZonedDateTime local = now.atZone(zone);
        return rules.stream().anyMatch(rule -> rule.covers(local));
    }

    private static Set<DayOfWeek> days(String spec) {
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (String item : spec.toUpperCase(Locale.ROOT).split(",")) {
            String[] range = item.split("-");
            DayOfWeek from = day(range[0]);
            DayOfWeek to = range.length > 1 ? day(range[1]) : from;
            for (DayOfWeek d = from; ; d = d.plus(1)) {
                days.add(d);
                if (d == to) {
                    break;
                }
            }
        }
        return days;
    }

    private static DayOfWeek day(String abbreviation) {
        for (DayOfWeek d : DayOfWeek.values()) {
            if (d.name().startsWith(abbreviation) && abbreviation.length() >= 3) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown day '" + abbreviation + "' (use MON, TUE, …)");
    }
}
