package dev.voiceagent.gateway.calllog;

import java.time.Instant;

/** Filters and page of a call-log listing; null filters are not applied. */
public record CallLogQuery(String tenantId, String status, String direction, String outcome, Instant createdFrom,
                           Instant createdTo, int limit, int offset) {
}
