package dev.voiceagent.evaluation.insight;

import dev.voiceagent.support.QueryParams;
import static dev.voiceagent.evaluation.support.Requests.json;

import dev.voiceagent.evaluation.rubric.Rubric;
import dev.voiceagent.evaluation.rubric.Scorecard;
import dev.voiceagent.evaluation.scoring.EvaluationRepository;
import dev.voiceagent.evaluation.scoring.StoredEvaluation;
import dev.voiceagent.evaluation.support.Requests;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.tenant.TenantAuthenticator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
                .GET("/api/v1/evaluations/failures", this::failures)
                .POST("/api/v1/evaluations/regressions", this::regressions)
                .build();
    }

    Mono<ServerResponse> aggregates(ServerRequest request) {
        return tenants.tenant(request)
                .map(tenant -> EvaluationQuery.of(tenant.tenantId(), request))
                .flatMap(query -> evaluations.search(query).collectList()
                        .map(sessions -> aggregate(query, SessionStats.of(sessions))))
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
                .flatMap(query -> evaluations.search(query)
                        .filter(e -> failed(e, criterion))
                        // the search is read to its end rather than cancelled at the limit: a row stream cancelled
                        // mid-way can leave its pooled connection stuck for the next query
                        .collect(ArrayList::new, (List<Map<String, Object>> items, StoredEvaluation e) -> {
                            if (items.size() < limit) {
                                items.add(failure(e, criterion));
                            }
                        })
                        .map(items -> Map.of("criterion", criterion == null ? "any" : criterion, "failures", items)))
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
        return Mono.zip(evaluations.search(baseline).collectList(), evaluations.search(candidate).collectList())
                .map(both -> Regression.compare(body.baselineVersion(), both.getT1(), body.candidateVersion(),
                        both.getT2()));
    }

    static boolean failed(StoredEvaluation e, String criterion) {
        if (criterion == null) {
            return !e.scorecard().passed();
        }
        return e.scorecard().criteria().stream().anyMatch(c -> c.name().equals(criterion) && c.score() < 1.0);
    }

    static Map<String, Object> failure(StoredEvaluation e, String criterion) {
        List<Scorecard.Criterion> failing = e.scorecard().criteria().stream()
                .filter(c -> c.score() < 1.0 && (criterion == null || c.name().equals(criterion))).toList();
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("call_sid", e.callSid());
        item.put("evaluation_id", e.evaluationId());
        item.put("agent_key", e.agentKey());
        item.put("agent_version_id", e.agentVersionId());
        item.put("outcome", e.outcome());
        item.put("score", e.scorecard().score());
        item.put("passed", e.scorecard().passed());
        item.put("synthetic", e.synthetic());
        item.put("evaluated_at", e.evaluatedAt());
        item.put("criteria", failing);
        return item;
    }

    private static Map<String, Object> aggregate(EvaluationQuery q, SessionStats stats) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("agent_key", q.agentKey());
        body.put("agent_version_id", q.agentVersionId());
        body.put("from", q.from());
        body.put("to", q.to());
        body.put("synthetic_only", q.syntheticOnly());
        body.put("count", stats.count());
        body.put("passed", stats.passed());
        body.put("pass_rate", stats.passRate());
        body.put("mean_score", stats.meanScore());
        body.put("p95_time_to_first_audio_ms", stats.p95TimeToFirstAudioMs());
        body.put("policy_violations", stats.policyViolations());
        body.put("criteria", stats.criteria());
        return body;
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
