package dev.voiceagent.evaluation.scoring;

import dev.voiceagent.evaluation.judge.JudgeVerdict;
import dev.voiceagent.evaluation.rubric.Scorecard;
import dev.voiceagent.support.tenant.TenantAuthenticator;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import java.time.Instant;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/v1/evaluations/sessions/{call_sid}} ({@code x-api-key}): the session's evaluation with its
 * criteria; another tenant's session is answered 404, like a missing one.
 */
@Configuration
public class EvaluationHandler {

    private final EvaluationRepository evaluations;
    private final TenantAuthenticator tenants;

    public EvaluationHandler(EvaluationRepository evaluations, TenantAuthenticator tenants) {
        this.evaluations = evaluations;
        this.tenants = tenants;
    }

    @Bean
    RouterFunction<ServerResponse> evaluationRoutes() {
        return RouterFunctions.route()
                .GET("/api/v1/evaluations/sessions/{call_sid}", this::session)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("The session's evaluation with its "
                        + "criteria (404 for another tenant's session)").answers(Body.json(EvaluationView.class)))
                .build();
    }

    Mono<ServerResponse> session(ServerRequest request) {
        String callSid = request.pathVariable("call_sid");
        return tenants.tenant(request)
                .flatMap(tenant -> evaluations.findForTenant(tenant.tenantId(), callSid))
                .switchIfEmpty(Mono.error(Problems.notFound("No evaluation for session " + callSid + ".")))
                .map(EvaluationHandler::view)
                .flatMap(view -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(view));
    }

    static EvaluationView view(StoredEvaluation e) {
        return new EvaluationView(e.evaluationId(), e.callSid(), e.agentVersionId(), e.outcome(), e.intent(),
                e.scorecard().score(), e.scorecard().passed(), e.scorecard().rubricVersion(), e.evaluatedAt(),
                e.scorecard().criteria(), e.timeToFirstAudioMs(), e.synthetic(), e.judge(), e.evidenceNote());
    }

    /**
     * The public shape of an evaluation; {@code evidenceNote} (absent when nothing was missing) names the evidence the
     * outcome announced that had not arrived when the session was scored.
     */
    public record EvaluationView(String evaluationId, String callSid, String agentVersionId, String outcome,
                                 String intent, double score, boolean passed, String rubricVersion,
                                 Instant evaluatedAt, List<Scorecard.Criterion> criteria,
                                 Long timeToFirstAudioMs, boolean synthetic, JudgeVerdict judge,
                                 String evidenceNote) {
    }
}
