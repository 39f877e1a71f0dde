package dev.voiceagent.config.tenant;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A tenant as the admin API shows it. */
public record Tenant(String tenantId, String displayName, List<String> phoneNumbers, String timeZone,
                     Map<String, Integer> limits, boolean enabled, long revision, Instant createdAt,
                     Instant updatedAt) {
}
