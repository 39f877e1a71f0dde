package dev.voiceagent.evaluation.insight;

import dev.voiceagent.support.QueryParams;
import static dev.voiceagent.evaluation.support.Requests.json;

import dev.voiceagent.evaluation.rubric.Rubric;
import dev.voiceagent.evaluation.rubric.Scorecard;
import dev.voiceagent.evaluation.scoring.EvaluationRepository;
import dev.voiceagent.evaluation.scoring.StoredEvaluation;
import dev.voiceagent.evaluation.support.Requests;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import dev.voiceagent.support.RouteDescription.ParameterType;
import dev.voiceagent.support.tenant.TenantAuthenticator;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Reading across sessions ({@code x-api-key}): {@code GET /api/v1/evaluations/aggregates} (per agent/version over a
 * time range), {@code GET /api/v1/evaluations/failures?criterion} (sessions a criterion failed, or failed
 * sessions) and {@code POST /api/v1/evaluations/regressions} (two versions compared criterion by criterion).
 */
@Configuration
public class InsightHandler {

    private final EvaluationRepository evaluations;
    private final TenantAuthenticator tenants;

    public InsightHandler(EvaluationRepository evaluations, TenantAuthenticator tenants) {
        this.evaluations = evaluations;
        this.tenants = tenants;
    }

    @Bean
    RouterFunction<ServerResponse> insightRoutes() {
        return RouterFunctions.route()
                .GET("/api/v1/evaluations/aggregates", this::aggregates)
                .withAttribute(RouteDescription.ATTRIBUTE, filtered(RouteDescription.of("Pass rate, scores, p95 time "
                        + "to first audio and policy violations over the matching sessions (the newest 20000 when "
                        + "more match, truncated says so)"))
                        .answers(Body.json(Aggregate.class)))
                .GET("/api/v1/evaluations/failures", this::failures)
                .withAttribute(RouteDescription.ATTRIBUTE, filtered(RouteDescription.of("Sessions a criterion "
                                + "failed (scored below 1), or failed sessions, oldest first"))
                        .query("criterion", "only sessions that failed this criterion (default: failed sessions)",
                                Rubric.criteriaNames().stream().sorted().toList())
                        .query("limit", ParameterType.INTEGER, "at most this many, 1-1000 (default 100)")
                        .answers(Body.json(Failures.class)))
                .POST("/api/v1/evaluations/regressions", this::regressions)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Two versions compared criterion by "
                                + "criterion, over a time range or two synthetic runs (each side its newest 20000 "
                                + "sessions; baseline/candidate.truncated say when more matched)")
                        .accepts(Body.json(RegressionRequest.class)).answers(Body.json(Regression.Result.class)))
                .build();
    }

    /** The filters {@link EvaluationQuery#of} reads. */
    private static RouteDescription filtered(RouteDescription description) {
        return description
                .query("agent_key", ParameterType.STRING, "only sessions of this agent")
                .query("agent_version_id", ParameterType.STRING, "only sessions of this agent version")
                .query("from", ParameterType.STRING, "evaluated at or after: an ISO-8601 instant, or a date (its UTC "
                        + "midnight)")
                .query("to", ParameterType.STRING, "evaluated before: an ISO-8601 instant, or a date")
                .query("synthetic", ParameterType.BOOLEAN, "true: only synthetic calls");
    }

    Mono<ServerResponse> aggregates(ServerRequest request) {
        return tenants.tenant(request)
                .map(tenant -> EvaluationQuery.of(tenant.tenantId(), request))
                .flatMap(query -> evaluations.newest(query)
                        .map(sample -> aggregate(query, SessionStats.of(sample))))
                .flatMap(Requests::json);
    }

    Mono<ServerResponse> failures(ServerRequest request) {
        String criterion = request.queryParam("criterion").filter(c -> !c.isBlank()).orElse(null);
        if (criterion != null && !Rubric.criteriaNames().contains(criterion)) {
            return Mono.error(Problems.invalidField("criterion", "must be one of "
                    + String.join(", ", Rubric.criteriaNames())));
        }
        int limit = QueryParams.intParam(request, "limit", 100, 1, 1000);
        return tenants.tenant(request)
                .map(tenant -> EvaluationQuery.of(tenant.tenantId(), request))
                .flatMap(query -> evaluations.failures(query, criterion, limit)
                        .map(e -> failure(e, criterion))
                        .collectList()
                        .map(items -> new Failures(criterion == null ? "any" : criterion, items)))
                .flatMap(Requests::json);
    }

    Mono<ServerResponse> regressions(ServerRequest request) {
        return tenants.tenant(request)
                .zipWith(Requests.body(request, RegressionRequest.class))
                .flatMap(t -> regression(t.getT1().tenantId(), t.getT2()))
                .flatMap(Requests::json);
    }

    private Mono<Regression.Result> regression(String tenantId, RegressionRequest body) {
        if (body.baselineVersion() == null || body.baselineVersion().isBlank()) {
            return Mono.error(Problems.invalidField("baseline_version", "is required"));
        }
        if (body.candidateVersion() == null || body.candidateVersion().isBlank()) {
            return Mono.error(Problems.invalidField("candidate_version", "is required"));
        }
        Instant from = EvaluationQuery.instant("from", body.from());
        Instant to = EvaluationQuery.instant("to", body.to());
        EvaluationQuery.checkRange(from, to);
        EvaluationQuery range = new EvaluationQuery(tenantId, null, null, from, to, body.syntheticOnly(), null);
        EvaluationQuery baseline = range.withVersion(body.agentKey(), body.baselineVersion()).withRun(body.baselineRunId());
        EvaluationQuery candidate = range.withVersion(body.agentKey(), body.candidateVersion())
                .withRun(body.candidateRunId());
        return Mono.zip(evaluations.newest(baseline), evaluations.newest(candidate))
                .map(both -> Regression.compare(body.baselineVersion(), both.getT1(), body.candidateVersion(),
                        both.getT2()));
    }

    static Failure failure(StoredEvaluation e, String criterion) {
        List<Scorecard.Criterion> failing = e.scorecard().criteria().stream()
                .filter(c -> c.score() < 1.0 && (criterion == null || c.name().equals(criterion))).toList();
        return new Failure(e.callSid(), e.evaluationId(), e.agentKey(), e.agentVersionId(), e.outcome(),
                e.scorecard().score(), e.scorecard().passed(), e.synthetic(), e.evaluatedAt(), failing);
    }

    private static Aggregate aggregate(EvaluationQuery q, SessionStats stats) {
        return new Aggregate(q.agentKey(), q.agentVersionId(), q.from(), q.to(), q.syntheticOnly(), stats.count(),
                stats.passed(), stats.passRate(), stats.meanScore(), stats.p95TimeToFirstAudioMs(),
                stats.policyViolations(), stats.criteria(), stats.truncated());
    }

    /**
     * The aggregate of the matching sessions with the filters it was read with; criteria: mean per criterion;
     * truncated: more sessions matched than one query reads, and these are the newest.
     */
    public record Aggregate(String agentKey, String agentVersionId, Instant from, Instant to, boolean syntheticOnly,
                            int count, int passed, Double passRate, Double meanScore, Long p95TimeToFirstAudioMs,
                            int policyViolations, Map<String, Double> criteria, boolean truncated) {
    }

    /** Failed sessions; {@code criterion} is {@code any} when none was asked for. */
    public record Failures(String criterion, List<Failure> failures) {
    }

    /** One failed session with the criteria it failed. */
    public record Failure(String callSid, String evaluationId, String agentKey, String agentVersionId, String outcome,
                          double score, boolean passed, boolean synthetic, Instant evaluatedAt,
                          List<Scorecard.Criterion> criteria) {
    }

    /**
     * Body of a regression check: the two versions, optionally the agent, a time range, synthetic calls only, or
     * the synthetic runs whose calls to compare (the same scenario set against each version).
     */
    record RegressionRequest(String agentKey, String baselineVersion, String candidateVersion, String from, String to,
                             Boolean syntheticOnly, String baselineRunId, String candidateRunId) {

        RegressionRequest {
            syntheticOnly = Boolean.TRUE.equals(syntheticOnly);
        }
    }
}
