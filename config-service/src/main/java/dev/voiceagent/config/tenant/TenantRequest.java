package dev.voiceagent.config.tenant;

import dev.voiceagent.config.support.JsonFields;
import dev.voiceagent.config.support.Limits;
import dev.voiceagent.support.Problems;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A validated {@code PUT /api/v1/admin/tenants/{tenant_id}} body. Everything is optional: display name defaults
 * to the tenant id, time zone to the configured default, numbers and limits to none, {@code enabled} to true.
 */
public record TenantRequest(String displayName, List<String> phoneNumbers, String timeZone,
                            Map<String, Integer> limits, boolean enabled) {

    static final Set<String> FIELDS = Set.of("display_name", "phone_numbers", "time_zone", "limits", "enabled");
    static final Map<String, Limits.Range> LIMITS = Map.of(
            "max_concurrent_calls", new Limits.Range(1, 100_000),
            "calls_per_minute", new Limits.Range(1, 1_000_000),
            "max_call_duration_seconds", new Limits.Range(10, 86_400));
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{1,14}");

    public static TenantRequest parse(String tenantId, JsonNode body, String defaultTimeZone) {
        JsonFields fields = JsonFields.body(body, FIELDS);
        String displayName = fields.optionalString("display_name", 200).orElse(tenantId);
        List<String> numbers = fields.optionalStringList("phone_numbers", 100, 16).orElse(List.of());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < numbers.size(); i++) {
            String number = numbers.get(i);
            if (!E164.matcher(number).matches()) {
                throw Problems.invalidField("phone_numbers[" + i + "]", "must be an E.164 number such as +15555550000");
            }
            if (!seen.add(number)) {
                throw Problems.invalidField("phone_numbers[" + i + "]", "is listed twice");
            }
        }
        String timeZone = fields.optionalString("time_zone", 64).orElse(defaultTimeZone);
        requireZone("time_zone", timeZone);
        Map<String, Integer> limits = Limits.read(fields, "limits", LIMITS).orElse(Map.of());
        boolean enabled = fields.optionalBoolean("enabled").orElse(true);
        return new TenantRequest(displayName, List.copyOf(numbers), timeZone, limits, enabled);
    }

    /** A region-based or offset zone id that {@link ZoneId} knows, e.g. {@code Europe/Berlin} or {@code UTC}. */
    public static void requireZone(String field, String zone) {
        try {
            ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw Problems.invalidField(field, "must be a time zone id such as Europe/Berlin or UTC");
        }
    }
}
