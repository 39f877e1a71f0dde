package dev.voiceagent.gateway.calllog;

import dev.voiceagent.support.tenant.TenantAuthenticator;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import dev.voiceagent.support.RouteDescription.ParameterType;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/** {@code GET /api/v1/call-logs} and {@code /api/v1/call-logs/{call_sid}}, scoped to the caller's tenant. */
@Component
public class CallLogHandler {

    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 200;
    private static final Set<String> DIRECTIONS = Set.of(CallLog.INBOUND, CallLog.OUTBOUND_API);

    /** {@code GET /api/v1/call-logs} as the API documents describe it: the filters {@link #query} reads. */
    public static final RouteDescription LIST = RouteDescription.of("The tenant's call logs, newest first")
            .query("status", "only calls in this status",
                    Arrays.stream(CallStatus.values()).map(CallStatus::wire).toList())
            .query("direction", "only calls in this direction", List.of(CallLog.INBOUND, CallLog.OUTBOUND_API))
            .query("outcome", ParameterType.STRING, "only calls whose session ended with this outcome")
            .query("from_date", ParameterType.STRING,
                    "only calls created at or after: an ISO-8601 instant, or a date (UTC) from its first instant")
            .query("to_date", ParameterType.STRING,
                    "only calls created before: an ISO-8601 instant, or a date (UTC), which includes that whole day")
            .query("limit", ParameterType.INTEGER, "page size, 1-" + MAX_LIMIT + " (default " + DEFAULT_LIMIT + ")")
            .query("offset", ParameterType.INTEGER, "calls to skip (default 0)")
            .answers(Body.json(Page.class));

    /** {@code GET /api/v1/call-logs/{call_sid}}. */
    public static final RouteDescription GET = RouteDescription.of("One call log of the tenant (404 for another "
            + "tenant's call)").answers(Body.json(CallLogView.class));

    private final TenantAuthenticator auth;
    private final CallLogRepository calls;

    public CallLogHandler(TenantAuthenticator auth, CallLogRepository calls) {
        this.auth = auth;
        this.calls = calls;
    }

    public Mono<ServerResponse> get(ServerRequest request) {
        String callSid = request.pathVariable("call_sid");
        return auth.tenant(request)
                .flatMap(tenant -> calls.findForTenant(tenant.tenantId(), callSid))
                .switchIfEmpty(Mono.error(() -> Problems.notFound("No call " + callSid + ".")))
                .flatMap(log -> ServerResponse.ok().bodyValue(CallLogView.of(log)));
    }

    public Mono<ServerResponse> list(ServerRequest request) {
        return auth.tenant(request)
                .map(tenant -> query(tenant.tenantId(), request))
                .flatMap(query -> calls.list(query).map(CallLogView::of).collectList()
                        .zipWith(calls.count(query), (items, total) -> new Page(items, query.limit(), query.offset(), total)))
                .flatMap(page -> ServerResponse.ok().bodyValue(page));
    }

    static CallLogQuery query(String tenantId, ServerRequest request) {
        String status = request.queryParam("status").orElse(null);
        if (status != null && CallStatus.fromWire(status).isEmpty()) {
            throw Problems.invalidField("status", "unknown call status '" + status + "'");
        }
        String direction = request.queryParam("direction").orElse(null);
        if (direction != null && !DIRECTIONS.contains(direction)) {
            throw Problems.invalidField("direction", "must be inbound or outbound-api");
        }
        return new CallLogQuery(tenantId, status, direction, request.queryParam("outcome").orElse(null),
                instant(request, "from_date", false), instant(request, "to_date", true),
                integer(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT), integer(request, "offset", 0, 0, Integer.MAX_VALUE));
    }

    /**
     * A date bound: an ISO-8601 instant as given, or a date (UTC) standing for its whole day: {@code from_date=D}
     * starts at D's first instant, {@code to_date=D} includes D (the bound is the next day's start, exclusive).
     */
    private static Instant instant(ServerRequest request, String name, boolean upper) {
        return request.queryParam(name).map(value -> {
            try {
                if (value.length() == 10) {
                    java.time.LocalDate day = java.time.LocalDate.parse(value);
                    return (upper ? day.plusDays(1) : day).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
                }
                return Instant.parse(value);
            } catch (DateTimeParseException e) {
                throw Problems.invalidField(name, "expected an ISO-8601 date or instant");
            }
        }).orElse(null);
    }

    private static int integer(ServerRequest request, String name, int fallback, int min, int max) {
        return request.queryParam(name).map(value -> {
            try {
                int parsed = Integer.parseInt(value);
                if (parsed < min || parsed > max) {
                    throw Problems.invalidField(name, "must be between " + min + " and " + max);
                }
                return parsed;
            } catch (NumberFormatException e) {
                throw Problems.invalidField(name, "must be an integer");
            }
        }).orElse(fallback);
    }

    /** One page of call logs. */
    public record Page(List<CallLogView> items, int limit, int offset, long total) {
    }

    /** The public shape of a call log (snake_case on the wire). */
    public record CallLogView(String callSid, String direction, String from, String to, String status,
                              Integer durationSeconds, String agentKey, String agentVersionId, String outcome,
                              String intent, String escalationState, String escalationReason, Instant createdAt,
                              Instant updatedAt) {

        static CallLogView of(CallLog log) {
            return new CallLogView(log.callSid(), log.direction(), log.from(), log.to(), log.status(),
                    log.durationSeconds(), log.agentKey(), log.agentVersionId(), log.outcome(), log.intent(),
                    log.escalationState(), log.escalationReason(), log.createdAt(), log.updatedAt());
        }
    }
}
