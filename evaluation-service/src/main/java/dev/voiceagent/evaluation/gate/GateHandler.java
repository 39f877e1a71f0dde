package dev.voiceagent.evaluation.gate;

import dev.voiceagent.support.QueryParams;
import static dev.voiceagent.evaluation.support.Requests.json;

import dev.voiceagent.evaluation.insight.EvaluationQuery;
import dev.voiceagent.evaluation.insight.SessionStats;
import dev.voiceagent.evaluation.scoring.EvaluationRepository;
import dev.voiceagent.evaluation.support.Requests;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import dev.voiceagent.support.RouteDescription.ParameterType;
import dev.voiceagent.support.tenant.TenantAuthenticator;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Launch gates ({@code x-api-key}): {@code PUT/GET /api/v1/evaluations/agents/{agent_key}/gates} define and read an
 * agent's gate; {@code POST …/versions/{version}/gate-evaluations} (optional body {@code {from, to}}) evaluates it
 * over the version's sessions, stores the result and publishes it as {@code voice.launch_gate.evaluated} (201; the
 * config service gates rollout on it); {@code GET} on the same path lists past results.
 */
@Configuration
public class GateHandler {

    private static final Logger log = LoggerFactory.getLogger(GateHandler.class);
    private static final String AGENT = "/api/v1/evaluations/agents/{agent_key}";

    private final GateRepository gates;
    private final EvaluationRepository evaluations;
    private final TenantAuthenticator tenants;
    private final GatePublisher publisher;

    public GateHandler(GateRepository gates, EvaluationRepository evaluations, TenantAuthenticator tenants,
                       GatePublisher publisher) {
        this.gates = gates;
        this.evaluations = evaluations;
        this.tenants = tenants;
        this.publisher = publisher;
    }

    @Bean
    RouterFunction<ServerResponse> gateRoutes() {
        return RouterFunctions.route()
                .PUT(AGENT + "/gates", this::define)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Define the agent's launch gate")
                        .accepts(Body.json(LaunchGate.class)).answers(Body.json(AgentGate.class)))
                .GET(AGENT + "/gates", this::read)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("The agent's launch gate")
                        .answers(Body.json(AgentGate.class)))
                .POST(AGENT + "/versions/{version}/gate-evaluations", this::evaluate)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Evaluate the gate over the "
                                + "version's sessions in an optional time range (never passed over none; the newest "
                                + "20000 when more match, stats.truncated says so), store the result and publish it "
                                + "as voice.launch_gate.evaluated")
                        .accepts(Body.json(Window.class).optional())
                        .answers(HttpStatus.CREATED, Body.json(GateEvaluation.class)))
                .GET(AGENT + "/versions/{version}/gate-evaluations", this::history)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("The version's past gate results, "
                                + "newest first")
                        .query("limit", ParameterType.INTEGER, "at most this many, 1-200 (default 20)")
                        .answers(Body.json(GateHistory.class)))
                .build();
    }

    Mono<ServerResponse> define(ServerRequest request) {
        String agentKey = Requests.key(request, "agent_key");
        return tenants.tenant(request)
                .zipWith(Requests.body(request, LaunchGate.class).map(LaunchGate::validated))
                .flatMap(t -> gates.save(t.getT1().tenantId(), agentKey, t.getT2()))
                .flatMap(gate -> json(new AgentGate(agentKey, gate)));
    }

    Mono<ServerResponse> read(ServerRequest request) {
        String agentKey = Requests.key(request, "agent_key");
        return tenants.tenant(request)
                .flatMap(tenant -> gates.find(tenant.tenantId(), agentKey))
                .switchIfEmpty(Mono.error(() -> Problems.notFound("No launch gate for agent " + agentKey + ".")))
                .flatMap(gate -> json(new AgentGate(agentKey, gate)));
    }

    Mono<ServerResponse> evaluate(ServerRequest request) {
        String agentKey = Requests.key(request, "agent_key");
        String version = Requests.key(request, "version");
        return tenants.tenant(request)
                .zipWith(request.bodyToMono(Window.class).defaultIfEmpty(new Window(null, null)))
                .flatMap(t -> evaluate(t.getT1().tenantId(), agentKey, version, t.getT2()))
                .flatMap(result -> json(HttpStatus.CREATED, result));
    }

    Mono<ServerResponse> history(ServerRequest request) {
        String agentKey = Requests.key(request, "agent_key");
        String version = Requests.key(request, "version");
        int limit = QueryParams.intParam(request, "limit", 20, 1, 200);
        return tenants.tenant(request)
                .flatMap(tenant -> gates.history(tenant.tenantId(), agentKey, version, limit).collectList())
                .flatMap(items -> json(new GateHistory(items)));
    }

    private Mono<GateEvaluation> evaluate(String tenantId, String agentKey, String version, Window window) {
        Instant from = EvaluationQuery.instant("from", window.from());
        Instant to = EvaluationQuery.instant("to", window.to());
        EvaluationQuery.checkRange(from, to);
        return gates.find(tenantId, agentKey)
                .switchIfEmpty(Mono.error(() -> Problems.notFound("No launch gate for agent " + agentKey
                        + "; define one with PUT " + "/api/v1/evaluations/agents/" + agentKey + "/gates.")))
                .flatMap(gate -> evaluations.newest(new EvaluationQuery(tenantId, agentKey, version, from, to,
                                gate.syntheticOnly(), null))
                        .map(sample -> result(agentKey, version, gate, SessionStats.of(sample), from, to)))
                .flatMap(result -> gates.record(tenantId, result))
                .flatMap(stored -> publisher.publish(tenantId, stored).thenReturn(stored))
                .doOnNext(r -> log.info("launch gate of {} for version {}: {}", agentKey, version,
                        r.passed() ? "pass" : "fail"));
    }

    static GateEvaluation result(String agentKey, String version, LaunchGate gate, SessionStats stats, Instant from,
                                 Instant to) {
        List<LaunchGate.CriterionResult> criteria = gate.evaluate(stats);
        boolean passed = criteria.stream().allMatch(LaunchGate.CriterionResult::passed);
        return new GateEvaluation("gate_" + UUID.randomUUID().toString().replace("-", ""), agentKey, version, passed,
                gate, criteria, stats, from, to, Instant.now());
    }

    /** An agent's launch gate. */
    public record AgentGate(String agentKey, LaunchGate gate) {
    }

    /** Past results of a version's gate, newest first. */
    public record GateHistory(List<GateEvaluation> gateEvaluations) {
    }

    /** Optional time range of a gate evaluation: ISO-8601 instants or dates ({@code from} inclusive). */
    record Window(String from, String to) {
    }
}
