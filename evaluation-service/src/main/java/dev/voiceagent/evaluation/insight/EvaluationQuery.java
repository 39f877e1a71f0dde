package dev.voiceagent.evaluation.insight;

import dev.voiceagent.support.Problems;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * Which evaluations of a tenant to read: optionally one agent, one version, a time range of {@code evaluated_at}
 * ({@code from} inclusive, {@code to} exclusive), synthetic calls only, or the calls of one synthetic run.
 */
public record EvaluationQuery(String tenantId, String agentKey, String agentVersionId, Instant from, Instant to,
                              boolean syntheticOnly, String runId) {

    /** At most this many sessions, the newest, are read for one aggregate, gate evaluation or side of a regression. */
    public static final int MAX_SESSIONS = 20_000;

    public EvaluationQuery withVersion(String agentKey, String versionId) {
        return new EvaluationQuery(tenantId, agentKey, versionId, from, to, syntheticOnly, runId);
    }

    public EvaluationQuery withRun(String run) {
        return new EvaluationQuery(tenantId, agentKey, agentVersionId, from, to, syntheticOnly, run);
    }

    /** The filters of a GET request: {@code agent_key, agent_version_id, from, to, synthetic}. */
    static EvaluationQuery of(String tenantId, ServerRequest request) {
        Instant from = instant("from", request.queryParam("from").orElse(null));
        Instant to = instant("to", request.queryParam("to").orElse(null));
        checkRange(from, to);
        return new EvaluationQuery(tenantId, blank(request.queryParam("agent_key").orElse(null)),
                blank(request.queryParam("agent_version_id").orElse(null)), from, to,
                "true".equals(request.queryParam("synthetic").orElse(null)), null);
    }

    /** An ISO-8601 instant or a date (its UTC midnight); null when absent; 400 naming the field otherwise. */
    public static Instant instant(String field, String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        try {
            return raw.length() == 10 ? LocalDate.parse(raw).atStartOfDay().toInstant(ZoneOffset.UTC) : Instant.parse(raw);
        } catch (DateTimeParseException e) {
            throw Problems.invalidField(field, "must be an ISO-8601 instant (2030-01-01T00:00:00Z) or date");
        }
    }

    public static void checkRange(Instant from, Instant to) {
        if (from != null && to != null && !from.isBefore(to)) {
            throw Problems.invalidField("from", "must be before to");
        }
    }

    private static String blank(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
