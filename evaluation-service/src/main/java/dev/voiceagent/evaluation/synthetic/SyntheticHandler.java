package dev.voiceagent.evaluation.synthetic;

import static dev.voiceagent.evaluation.support.Requests.json;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.evaluation.support.Requests;
import dev.voiceagent.support.PhoneNumbers;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import dev.voiceagent.support.tenant.TenantAuthenticator;
import dev.voiceagent.support.tenant.TenantDirectory;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Scenario suites and synthetic runs ({@code x-api-key}): {@code PUT/GET /api/v1/evaluations/agents/{agent_key}/scenarios},
 * {@code POST …/agents/{agent_key}/versions/{version}/synthetic-runs} (202 with the run's progress) and
 * {@code GET /api/v1/evaluations/synthetic-runs/{run_id}} (also under the agent's version path).
 */
@Configuration
public class SyntheticHandler {

    private static final String AGENT = "/api/v1/evaluations/agents/{agent_key}";

    private final SyntheticRepository repository;
    private final SyntheticRunner runner;
    private final TenantAuthenticator tenants;
    private final TenantDirectory directory;
    private final SyntheticProperties properties;

    public SyntheticHandler(SyntheticRepository repository, SyntheticRunner runner, TenantAuthenticator tenants,
                            TenantDirectory directory, SyntheticProperties properties) {
        this.repository = repository;
        this.runner = runner;
        this.tenants = tenants;
        this.directory = directory;
        this.properties = properties;
    }

    @Bean
    RouterFunction<ServerResponse> syntheticRoutes() {
        RouteDescription readRun = RouteDescription.of("A synthetic run's progress and per-scenario results")
                .answers(Body.json(SyntheticRun.Progress.class));
        return RouterFunctions.route()
                .PUT(AGENT + "/scenarios", this::saveSuite)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Define the agent's scenario suite: "
                                + "scenarios as given, or generated from a contract's intents")
                        .accepts(Body.json(ScenarioSuite.SuiteRequest.class)).answers(Body.json(AgentScenarios.class)))
                .GET(AGENT + "/scenarios", this::readSuite)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("The agent's scenario suite")
                        .answers(Body.json(AgentScenarios.class)))
                .POST(AGENT + "/versions/{version}/synthetic-runs", this::startRun)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Start a synthetic run of the suite "
                                + "(or the scenario_ids named) against the version: placed calls to a simulated caller")
                        .accepts(Body.json(RunRequest.class).optional())
                        .answers(HttpStatus.ACCEPTED, Body.json(SyntheticRun.Progress.class)))
                .GET(AGENT + "/versions/{version}/synthetic-runs/{run_id}", this::readRun)
                .withAttribute(RouteDescription.ATTRIBUTE, readRun)
                .GET("/api/v1/evaluations/synthetic-runs/{run_id}", this::readRun)
                .withAttribute(RouteDescription.ATTRIBUTE, readRun)
                .build();
    }

    Mono<ServerResponse> saveSuite(ServerRequest request) {
        String agentKey = Requests.key(request, "agent_key");
        return tenants.tenant(request)
                .zipWith(Requests.body(request, ScenarioSuite.SuiteRequest.class).map(ScenarioSuite::build))
                .flatMap(t -> repository.saveSuite(t.getT1().tenantId(), agentKey, t.getT2()))
                .flatMap(scenarios -> json(new AgentScenarios(agentKey, scenarios)));
    }

    Mono<ServerResponse> readSuite(ServerRequest request) {
        String agentKey = Requests.key(request, "agent_key");
        return tenants.tenant(request)
                .flatMap(tenant -> suite(tenant.tenantId(), agentKey))
                .flatMap(scenarios -> json(new AgentScenarios(agentKey, scenarios)));
    }

    Mono<ServerResponse> startRun(ServerRequest request) {
        String agentKey = Requests.key(request, "agent_key");
        String version = Requests.key(request, "version");
        String callerKey = request.headers().firstHeader(TenantAuthenticator.API_KEY_HEADER);
        return tenants.tenant(request)
                .zipWith(request.bodyToMono(RunRequest.class).defaultIfEmpty(new RunRequest(null, null, null)))
                .flatMap(t -> startRun(t.getT1(), callerKey, agentKey, version, t.getT2()))
                .flatMap(progress -> json(HttpStatus.ACCEPTED, progress));
    }

    Mono<ServerResponse> readRun(ServerRequest request) {
        String runId = Requests.key(request, "run_id");
        return tenants.tenant(request)
                .flatMap(tenant -> repository.run(tenant.tenantId(), runId))
                .filter(run -> !request.pathVariables().containsKey("agent_key")
                        || (run.agentKey().equals(request.pathVariable("agent_key"))
                        && run.agentVersionId().equals(request.pathVariable("version"))))
                .switchIfEmpty(Mono.error(() -> Problems.notFound("No synthetic run " + runId + ".")))
                .flatMap(this::progress)
                .flatMap(Requests::json);
    }

    private Mono<SyntheticRun.Progress> startRun(TenantConfigPublished tenant, String callerKey, String agentKey,
                                                 String version, RunRequest body) {
        String apiKey = placementKey(tenant, callerKey, body.tenantKey());
        String to = body.to() == null ? properties.synthetic().toNumber() : body.to();
        if (!PhoneNumbers.isE164(to)) {
            return Mono.error(Problems.invalidField("to", "must be an E.164 number such as +15555550100"));
        }
        SyntheticRun run = new SyntheticRun("run_" + UUID.randomUUID().toString().replace("-", ""),
                tenant.tenantId(), agentKey, version, Instant.now());
        return suite(tenant.tenantId(), agentKey)
                .map(scenarios -> select(scenarios, body.scenarioIds()))
                .flatMap(scenarios -> runner.start(run, scenarios,
                        new SyntheticRunner.Placement(apiKey, to, greeting(tenant))))
                .flatMap(this::progress);
    }

    private static String greeting(TenantConfigPublished tenant) {
        String greeting = tenant.runtimeConfig() == null ? null : tenant.runtimeConfig().greeting();
        return greeting == null || greeting.isBlank() ? null : greeting;
    }

    /** The key make-call is placed with: the body's {@code tenant_key} (same tenant only), else the caller's. */
    private String placementKey(TenantConfigPublished tenant, String callerKey, String bodyKey) {
        if (bodyKey == null || bodyKey.isBlank()) {
            return callerKey;
        }
        boolean sameTenant = directory.byApiKey(bodyKey).map(t -> t.tenantId().equals(tenant.tenantId()))
                .orElse(false);
        if (!sameTenant) {
            throw Problems.invalidField("tenant_key", "is not a live key of this tenant");
        }
        return bodyKey;
    }

    private Mono<List<Scenario>> suite(String tenantId, String agentKey) {
        return repository.suite(tenantId, agentKey)
                .switchIfEmpty(Mono.error(() -> Problems.notFound("No scenario suite for agent " + agentKey
                        + "; define one with PUT /api/v1/evaluations/agents/" + agentKey + "/scenarios.")));
    }

    static List<Scenario> select(List<Scenario> suite, List<String> ids) {
        if (ids == null || ids.isEmpty()) {
            return suite;
        }
        Set<String> wanted = Set.copyOf(ids);
        List<Scenario> chosen = suite.stream().filter(s -> wanted.contains(s.id())).toList();
        if (chosen.size() != wanted.size()) {
            throw Problems.invalidField("scenario_ids", "names scenarios the suite does not have");
        }
        return chosen;
    }

    private Mono<SyntheticRun.Progress> progress(SyntheticRun run) {
        return repository.calls(run.id()).collectList()
                .map(calls -> run.progress(calls, Instant.now(), properties.synthetic().resultTimeout()));
    }

    /** An agent's scenario suite. */
    public record AgentScenarios(String agentKey, List<Scenario> scenarios) {
    }

    /** Body of a run: the key to place calls with, the number to dial, a subset of the suite. */
    record RunRequest(String tenantKey, String to, List<String> scenarioIds) {
    }
}
