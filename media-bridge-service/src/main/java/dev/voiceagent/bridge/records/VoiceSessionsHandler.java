package dev.voiceagent.bridge.records;

import dev.voiceagent.support.DatabaseDeadlines;
import dev.voiceagent.bridge.session.VoiceSessionRecord;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.tenant.TenantAuthenticator;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/v1/voice-sessions?limit&offset&status&agent_key} and {@code GET /api/v1/voice-sessions/{id}}
 * ({@code x-api-key}): the tenant's stored voice sessions. Another tenant's session answers 404, like an unknown one.
 */
public class VoiceSessionsHandler {

    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 200;
    private static final java.time.Duration DB_TIMEOUT = java.time.Duration.ofSeconds(5);
    /** What a record's {@code status} can be: active while the call is live, then its outcome, or lost. */
    public static final List<String> STATUSES = Stream.of(Stream.of(VoiceSessionRecord.ACTIVE),
            Arrays.stream(Outcome.values()).map(Outcome::wire), Stream.of(VoiceSessionRecord.LOST))
            .flatMap(statuses -> statuses).toList();

    private final TenantAuthenticator tenants;
    private final VoiceSessionRepository repository;

    public VoiceSessionsHandler(TenantAuthenticator tenants, VoiceSessionRepository repository) {
        this.tenants = tenants;
        this.repository = repository;
    }

    /** A list entry: the session without its transcript and function calls. */
    public record SessionSummary(String id, String callSid, String agentKey, String agentVersionId, String direction,
                                 String status, String escalationReason, Instant startedAt, Instant endedAt,
                                 Long durationMs, Long timeToFirstAudioMs, Map<String, Object> state, String summary,
                                 List<String> tags) {

        static SessionSummary of(VoiceSessionRecord r) {
            return new SessionSummary(r.id(), r.callSid(), r.agentKey(), r.agentVersionId(), r.direction(),
                    r.status(), r.escalationReason(), r.startedAt(), r.endedAt(), r.durationMs(),
                    r.timeToFirstAudioMs(), r.state(), r.summary(), r.tags());
        }
    }

    public Mono<ServerResponse> list(ServerRequest request) {
        int limit;
        int offset;
        String status;
        try {
            limit = intParam(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
            offset = intParam(request, "offset", 0, 0, Integer.MAX_VALUE);
            status = status(request);
        } catch (RuntimeException invalid) {
            return Mono.error(invalid);
        }
        String agentKey = text(request, "agent_key");
        return tenants.tenant(request).map(TenantConfigPublished::tenantId).flatMap(tenantId ->
                repository.list(tenantId, status, agentKey, limit, offset)
                        .map(SessionSummary::of)
                        .collectList()
                        .zipWith(repository.count(tenantId, status, agentKey))
                        .transform(page -> DatabaseDeadlines.within(page, DB_TIMEOUT))
                        .flatMap(page -> ServerResponse.ok().bodyValue(new VoiceSessionPage(page.getT1(),
                                page.getT1().size(), page.getT2(), limit, offset))));
    }

    /** One page of a tenant's stored sessions: {@code count} on this page, {@code total} matching. */
    public record VoiceSessionPage(List<SessionSummary> sessions, int count, long total, int limit, int offset) {
    }

    public Mono<ServerResponse> get(ServerRequest request) {
        String id = request.pathVariable("id");
        return tenants.tenant(request)
                .flatMap(tenant -> DatabaseDeadlines.within(repository.find(tenant.tenantId(), id), DB_TIMEOUT))
                .switchIfEmpty(Mono.error(() -> Problems.notFound("No voice session " + id + ".")))
                .flatMap(session -> ServerResponse.ok().bodyValue(session));
    }

    private static String text(ServerRequest request, String name) {
        return request.queryParam(name).map(String::trim).filter(v -> !v.isEmpty()).orElse(null);
    }

    /** A status no record can have would only ever match nothing: a typo answers 400 instead of an empty page. */
    private static String status(ServerRequest request) {
        String status = text(request, "status");
        if (status != null && !STATUSES.contains(status)) {
            throw Problems.invalidField("status", "unknown status '" + status + "', expected one of "
                    + String.join(", ", STATUSES));
        }
        return status;
    }

    private static int intParam(ServerRequest request, String name, int fallback, int min, int max) {
        Optional<String> raw = request.queryParam(name);
        if (raw.isEmpty() || raw.get().isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.get().trim());
            if (value < min || value > max) {
                throw Problems.invalidField(name, "must be between " + min + " and " + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw Problems.invalidField(name, "must be a whole number");
        }
    }
}
