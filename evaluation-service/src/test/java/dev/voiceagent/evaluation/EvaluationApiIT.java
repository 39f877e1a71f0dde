package dev.voiceagent.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventType;
import dev.voiceagent.contracts.LaunchGateEvaluated;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionEvents.SessionStateChanged;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.SessionOutcome.ToolSummary;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.evaluation.gate.GatePublisher;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.ApiKeys;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import dev.voiceagent.testkit.kafka.TopicProbe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.test.StepVerifier;

/** Aggregates, failures, launch gates, regressions and a synthetic run against a stand-in gateway. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@VoiceInfrastructure
class EvaluationApiIT {

    static final Duration WAIT = Duration.ofSeconds(30);
    /** make-call requests the stand-in gateway saw, by Idempotency-Key: [api key, body, call SID]. */
    static final Map<String, List<String>> MAKE_CALLS = new ConcurrentHashMap<>();
    static final HttpServer GATEWAY = gateway();

    @Autowired WebTestClient web;
    @Autowired EventPublisher events;
    @Autowired TenantDirectory directory;
    @Autowired DatabaseClient db;
    @Value("${spring.kafka.bootstrap-servers}") String bootstrap;

    @DynamicPropertySource
    static void gatewayUrl(DynamicPropertyRegistry registry) {
        registry.add("voice.evaluation.gateway-url", () -> "http://127.0.0.1:" + GATEWAY.getAddress().getPort());
    }

    static HttpServer gateway() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/api/v1/make-call", exchange -> {
                String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String sid = "CA" + UUID.randomUUID().toString().replace("-", "");
                MAKE_CALLS.put(key, List.of(String.valueOf(exchange.getRequestHeaders().getFirst("x-api-key")), body, sid));
                boolean refuse = key.endsWith(":intent-fraud");
                byte[] answer = (refuse ? "{\"title\":\"Twilio refused\"}"
                        : "{\"ok\":true,\"call_sid\":\"" + sid + "\",\"status\":\"queued\"}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(refuse ? 422 : 200, answer.length);
                exchange.getResponseBody().write(answer);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stopGateway() {
        GATEWAY.stop(0);
    }

    @BeforeEach
    void tenants() {
        directory.apply(tenant("demo", "demo-key"));
        directory.apply(tenant("other", "other-key"));
    }

    static TenantConfigPublished tenant(String id, String key) {
        return new TenantConfigPublished(id, id, true, List.of(), "UTC", null, List.of(ApiKeys.hash(key)),
                List.of(), 1);
    }

    @Test
    void aggregatesAndFailuresOfOneVersion() {
        String version = "agg-" + UUID.randomUUID();
        outcome(newCallSid(), version, Outcome.RESOLVED, 500L, null);
        outcome(newCallSid(), version, Outcome.RESOLVED, 700L, null);
        outcome(newCallSid(), version, Outcome.RESOLVED, 900L, null);
        String missed = newCallSid();
        outcome(missed, version, Outcome.RESOLVED, 600L, "payment dispute");
        awaitEvaluations(version, 4);

        web.get().uri(u -> u.path("/api/v1/evaluations/aggregates").queryParam("agent_version_id", version)
                        .queryParam("from", "2020-01-01").build())
                .header("x-api-key", "demo-key").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.count").isEqualTo(4)
                .jsonPath("$.passed").isEqualTo(3)
                .jsonPath("$.pass_rate").isEqualTo(0.75)
                .jsonPath("$.p95_time_to_first_audio_ms").isEqualTo(900)
                .jsonPath("$.policy_violations").isEqualTo(1)
                .jsonPath("$.criteria.escalation").isEqualTo(0.75)
                .jsonPath("$.criteria.resolution").isEqualTo(1.0)
                .jsonPath("$.mean_score").isNumber();
        web.get().uri(u -> u.path("/api/v1/evaluations/failures").queryParam("criterion", "escalation")
                        .queryParam("agent_version_id", version).build())
                .header("x-api-key", "demo-key").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.failures.length()").isEqualTo(1)
                .jsonPath("$.failures[0].call_sid").isEqualTo(missed)
                .jsonPath("$.failures[0].criteria[0].name").isEqualTo("escalation");
        web.get().uri(u -> u.path("/api/v1/evaluations/aggregates").queryParam("agent_version_id", version).build())
                .header("x-api-key", "other-key").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.count").isEqualTo(0);
        web.get().uri("/api/v1/evaluations/failures?criterion=nonsense").header("x-api-key", "demo-key").exchange()
                .expectStatus().isBadRequest();
        web.get().uri("/api/v1/evaluations/aggregates?from=yesterday").header("x-api-key", "demo-key").exchange()
                .expectStatus().isBadRequest();
        web.get().uri("/api/v1/evaluations/aggregates").exchange().expectStatus().isUnauthorized();
    }

    @Test
    void aLaunchGatePassesOneVersionAndFailsAnotherWithReasons() {
        String good = "gate-good-" + UUID.randomUUID();
        String bad = "gate-bad-" + UUID.randomUUID();
        for (int i = 0; i < 3; i++) {
            outcome(newCallSid(), good, Outcome.RESOLVED, 600L, null);
        }
        outcome(newCallSid(), bad, Outcome.RESOLVED, 600L, null);
        outcome(newCallSid(), bad, Outcome.RESOLVED, 3000L, "fraud");
        awaitEvaluations(good, 3);
        awaitEvaluations(bad, 2);

        web.post().uri("/api/v1/evaluations/agents/support/versions/{v}/gate-evaluations", good)
                .header("x-api-key", "demo-key").exchange().expectStatus().isNotFound();
        web.put().uri("/api/v1/evaluations/agents/support/gates").header("x-api-key", "demo-key")
                .bodyValue(Map.of("min_pass_rate", 2)).exchange().expectStatus().isBadRequest();
        web.put().uri("/api/v1/evaluations/agents/support/gates").header("x-api-key", "demo-key")
                .bodyValue(Map.of("name", "launch", "min_sessions", 3, "min_pass_rate", 0.95,
                        "max_policy_violations", 0, "max_p95_time_to_first_audio_ms", 1500))
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.gate.name").isEqualTo("launch");
        web.get().uri("/api/v1/evaluations/agents/support/gates").header("x-api-key", "demo-key").exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.gate.min_sessions").isEqualTo(3);
        web.get().uri("/api/v1/evaluations/agents/support/gates").header("x-api-key", "other-key").exchange()
                .expectStatus().isNotFound();

        web.post().uri("/api/v1/evaluations/agents/support/versions/{v}/gate-evaluations", good)
                .header("x-api-key", "demo-key").exchange().expectStatus().isCreated().expectBody()
                .jsonPath("$.passed").isEqualTo(true)
                .jsonPath("$.agent_version_id").isEqualTo(good)
                .jsonPath("$.criteria.length()").isEqualTo(4)
                .jsonPath("$.stats.count").isEqualTo(3);
        web.post().uri("/api/v1/evaluations/agents/support/versions/{v}/gate-evaluations", bad)
                .header("x-api-key", "demo-key").exchange().expectStatus().isCreated().expectBody()
                .jsonPath("$.passed").isEqualTo(false)
                .jsonPath("$.criteria[0].reason").isEqualTo("only 2 sessions, need 3")
                .jsonPath("$.criteria[1].passed").isEqualTo(false)
                .jsonPath("$.criteria[2].reason").isEqualTo("1 sessions violated policy, at most 0 allowed")
                .jsonPath("$.criteria[3].reason").isEqualTo("p95 time to first audio 3000 ms > 1500 ms");
        web.get().uri("/api/v1/evaluations/agents/support/versions/{v}/gate-evaluations", bad)
                .header("x-api-key", "demo-key").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.gate_evaluations.length()").isEqualTo(1)
                .jsonPath("$.gate_evaluations[0].passed").isEqualTo(false);

        TopicProbe probe = new TopicProbe(bootstrap);
        var published = probe.await(Topics.EVALUATIONS, gateResultOf(bad), 1, WAIT, Duration.ofMillis(500));
        assertThat(published).singleElement().satisfies(record -> {
            assertThat(record.key()).isEqualTo("demo");
            var envelope = EventCodec.decode(record.value()).orElseThrow();
            assertThat(envelope.type()).isEqualTo(EventType.LAUNCH_GATE_EVALUATED);
            assertThat(envelope.tenantId()).isEqualTo("demo");
            assertThat(envelope.callSid()).isNull();
            var event = (LaunchGateEvaluated) envelope.data();
            assertThat(envelope.id()).isEqualTo(GatePublisher.eventId(event.gateEvaluationId()));
            assertThat(event.agentKey()).isEqualTo("support");
            assertThat(event.agentVersionId()).isEqualTo(bad);
            assertThat(event.gateName()).isEqualTo("launch");
            assertThat(event.passed()).isFalse();
            assertThat(event.criteria()).extracting(LaunchGateEvaluated.Criterion::reason)
                    .contains("only 2 sessions, need 3", "p95 time to first audio 3000 ms > 1500 ms");
            assertThat(event.criteria().get(0).required()).isEqualTo("3");
            assertThat(event.criteria().get(0).actual()).isEqualTo("2");
            assertThat(event.stats().count()).isEqualTo(2);
            assertThat(event.stats().p95TimeToFirstAudioMs()).isEqualTo(3000L);
        });
        assertThat(probe.await(Topics.EVALUATIONS, gateResultOf(good), 1, WAIT, Duration.ofMillis(500)))
                .singleElement().satisfies(record -> assertThat(((LaunchGateEvaluated) EventCodec
                        .decode(record.value()).orElseThrow().data()).passed()).isTrue());
    }

    @Test
    void aGateNeverPassesOverNoSessions() {
        String unused = "gate-none-" + UUID.randomUUID();
        web.put().uri("/api/v1/evaluations/agents/quiet/gates").header("x-api-key", "demo-key")
                .bodyValue(Map.of("min_sessions", 0)).exchange().expectStatus().isBadRequest()
                .expectHeader().contentType("application/problem+json")
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("min_sessions");
        web.put().uri("/api/v1/evaluations/agents/quiet/gates").header("x-api-key", "demo-key")
                .bodyValue(Map.of("max_policy_violations", 0)).exchange().expectStatus().isOk();

        web.post().uri("/api/v1/evaluations/agents/quiet/versions/{v}/gate-evaluations", unused)
                .header("x-api-key", "demo-key").exchange().expectStatus().isCreated().expectBody()
                .jsonPath("$.passed").isEqualTo(false)
                .jsonPath("$.stats.count").isEqualTo(0)
                .jsonPath("$.criteria[?(@.name == 'min_sessions')].passed").isEqualTo(false)
                .jsonPath("$.criteria[?(@.name == 'min_sessions')].reason")
                .isEqualTo("no sessions: a gate never passes without any");
    }

    @Test
    void queriesOverTooManySessionsReadTheNewestAndSaySo() {
        String version = "bulk-" + UUID.randomUUID();
        // 20 000 passing sessions from two days ago, then 10 that failed in the last hour: more than one query reads
        insertEvaluations(version, 20_000, "2 days", true);
        insertEvaluations(version, 10, "1 hour", false);

        web.get().uri(u -> u.path("/api/v1/evaluations/aggregates").queryParam("agent_version_id", version).build())
                .header("x-api-key", "demo-key").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.count").isEqualTo(20_000)
                .jsonPath("$.passed").isEqualTo(19_990)
                .jsonPath("$.policy_violations").isEqualTo(10)
                .jsonPath("$.truncated").isEqualTo(true);
        web.put().uri("/api/v1/evaluations/agents/bulk/gates").header("x-api-key", "demo-key")
                .bodyValue(Map.of("max_policy_violations", 0)).exchange().expectStatus().isOk();
        web.post().uri("/api/v1/evaluations/agents/bulk/versions/{v}/gate-evaluations", version)
                .header("x-api-key", "demo-key").exchange().expectStatus().isCreated().expectBody()
                .jsonPath("$.passed").isEqualTo(false)
                .jsonPath("$.stats.truncated").isEqualTo(true)
                .jsonPath("$.stats.policy_violations").isEqualTo(10);
        web.post().uri("/api/v1/evaluations/regressions").header("x-api-key", "demo-key")
                .bodyValue(Map.of("baseline_version", version, "candidate_version", version))
                .exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.baseline.truncated").isEqualTo(true)
                .jsonPath("$.baseline.passed").isEqualTo(19_990);
        web.get().uri(u -> u.path("/api/v1/evaluations/failures").queryParam("criterion", "tool_policy")
                        .queryParam("agent_version_id", version).queryParam("limit", 5).build())
                .header("x-api-key", "demo-key").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.failures.length()").isEqualTo(5)
                .jsonPath("$.failures[0].criteria[0].name").isEqualTo("tool_policy");
    }

    /** Stored evaluations of agent {@code bulk}, one a millisecond from {@code ago} on. */
    private void insertEvaluations(String version, int count, String ago, boolean passed) {
        String criteria = passed
                ? "[{\"name\":\"resolution\",\"score\":1.0,\"weight\":0.25,\"detail\":\"outcome resolved\"},"
                        + "{\"name\":\"tool_policy\",\"score\":1.0,\"weight\":0.1,\"detail\":\"in scope\"}]"
                : "[{\"name\":\"resolution\",\"score\":1.0,\"weight\":0.25,\"detail\":\"outcome resolved\"},"
                        + "{\"name\":\"tool_policy\",\"score\":0.0,\"weight\":0.1,\"detail\":\"denied\"}]";
        String prefix = version + "-" + (passed ? "ok" : "bad") + "-";
        StepVerifier.create(db.sql("INSERT INTO evaluations (evaluation_id, tenant_id, call_sid, agent_key, "
                                + "agent_version_id, outcome, score, passed, criteria, rubric_version, event_id, "
                                + "evaluated_at) SELECT :prefix || i, 'demo', :prefix || i, 'bulk', :version, "
                                + "'resolved', :score, :passed, CAST(:criteria AS jsonb), 'rules-v2', :prefix || i, "
                                + "now() - CAST(:ago AS interval) + i * interval '1 millisecond' "
                                + "FROM generate_series(1, :count) AS i")
                        .bind("prefix", prefix).bind("version", version).bind("score", passed ? 1.0 : 0.25)
                        .bind("passed", passed).bind("criteria", criteria).bind("ago", ago).bind("count", count)
                        .fetch().rowsUpdated())
                .expectNext((long) count).verifyComplete();
    }

    @Test
    void aRegressionCheckFindsTheCriterionThatGotWorse() {
        String baseline = "reg-a-" + UUID.randomUUID();
        String candidate = "reg-b-" + UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            outcome(newCallSid(), baseline, Outcome.RESOLVED, 600L, null);
            outcome(newCallSid(), candidate, i < 4 ? Outcome.ABANDONED : Outcome.RESOLVED, 600L, null);
        }
        awaitEvaluations(baseline, 5);
        awaitEvaluations(candidate, 5);
        web.post().uri("/api/v1/evaluations/regressions").header("x-api-key", "demo-key")
                .bodyValue(Map.of("baseline_version", baseline, "candidate_version", candidate))
                .exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.verdict").isEqualTo("regressed")
                .jsonPath("$.regressions").value((List<String> names) -> assertThat(names).contains("resolution"))
                .jsonPath("$.criteria[?(@.name == 'resolution')].delta").isEqualTo(-0.8)
                .jsonPath("$.criteria[?(@.name == 'tool_policy')].delta").isEqualTo(0.0)
                .jsonPath("$.baseline.count").isEqualTo(5);
        web.post().uri("/api/v1/evaluations/regressions").header("x-api-key", "demo-key")
                .bodyValue(Map.of("baseline_version", baseline)).exchange().expectStatus().isBadRequest();
    }

    @Test
    void aSyntheticRunPlacesCallsThroughTheGatewayAndCollectsTheirEvaluations() {
        String version = "syn-" + UUID.randomUUID();
        web.put().uri("/api/v1/evaluations/agents/synth/scenarios").header("x-api-key", "demo-key")
                .bodyValue(Map.of("contract", Map.of("intents", List.of(
                        Map.of("name", "balance", "class", "resolvable", "tools", List.of("lookup")),
                        Map.of("name", "fraud", "class", "transfer")))))
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.scenarios.length()").isEqualTo(4);
        web.get().uri("/api/v1/evaluations/agents/synth/scenarios").header("x-api-key", "demo-key").exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.scenarios[0].id").isEqualTo("intent-balance")
                .jsonPath("$.scenarios[0].expect.outcomes[0]").isEqualTo("resolved");
        web.get().uri("/api/v1/evaluations/agents/synth/scenarios").header("x-api-key", "other-key").exchange()
                .expectStatus().isNotFound();

        Map<?, ?> started = web.post().uri("/api/v1/evaluations/agents/synth/versions/{v}/synthetic-runs", version)
                .header("x-api-key", "demo-key").bodyValue(Map.of("to", "+15555550111"))
                .exchange().expectStatus().isAccepted().expectBody(Map.class).returnResult().getResponseBody();
        String runId = (String) started.get("run_id");
        assertThat(started.get("total")).isEqualTo(4);

        await().atMost(WAIT).untilAsserted(() -> web.get().uri("/api/v1/evaluations/synthetic-runs/{id}", runId)
                .header("x-api-key", "demo-key").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.placed").isEqualTo(3).jsonPath("$.failed").isEqualTo(1)
                .jsonPath("$.status").isEqualTo("running"));
        List<String> balance = MAKE_CALLS.get(runId + ":intent-balance");
        assertThat(balance.get(0)).isEqualTo("demo-key");
        assertThat(balance.get(1)).contains("\"agent_version_id\":\"" + version + "\"", "\"to\":\"+15555550111\"",
                "\"agent_key\":\"synth\"");

        publish(balance.get(2), new ToolCompleted("t1", "lookup", "ok", Map.of(), null, 30));
        awaitRows("SELECT count(*) AS n FROM tool_results WHERE call_sid = :c", balance.get(2), 1);
        outcome(balance.get(2), version, Outcome.RESOLVED, 600L, null, "balance",
                List.of(new ToolSummary("t1", "lookup", "ok", 30)));
        outcome(MAKE_CALLS.get(runId + ":escalation-human-request").get(2), version, Outcome.TRANSFERRED, 600L,
                "caller asked for a person", null, List.of());
        outcome(MAKE_CALLS.get(runId + ":escalation-authentication-failure").get(2), version,
                Outcome.FAILED_AUTHENTICATION, 600L, null, null, List.of());

        await().atMost(WAIT).untilAsserted(() -> web.get()
                .uri("/api/v1/evaluations/agents/synth/versions/{v}/synthetic-runs/{id}", version, runId)
                .header("x-api-key", "demo-key").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("completed")
                .jsonPath("$.evaluated").isEqualTo(3)
                .jsonPath("$.expectations_met").isEqualTo(3)
                .jsonPath("$.calls[?(@.scenario_id == 'intent-fraud')].error").isEqualTo("make-call answered 422"));
        web.get().uri("/api/v1/evaluations/synthetic-runs/{id}", runId).header("x-api-key", "other-key").exchange()
                .expectStatus().isNotFound();
        web.get().uri("/api/v1/evaluations/sessions/{c}", balance.get(2)).header("x-api-key", "demo-key").exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.synthetic").isEqualTo(true);
        web.get().uri(u -> u.path("/api/v1/evaluations/aggregates").queryParam("agent_version_id", version)
                        .queryParam("synthetic", "true").build())
                .header("x-api-key", "demo-key").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.count").isEqualTo(3);

        web.put().uri("/api/v1/evaluations/agents/synth/gates").header("x-api-key", "demo-key")
                .bodyValue(Map.of("min_sessions", 3, "max_policy_violations", 0, "synthetic_only", true))
                .exchange().expectStatus().isOk();
        web.post().uri("/api/v1/evaluations/agents/synth/versions/{v}/gate-evaluations", version)
                .header("x-api-key", "demo-key").exchange().expectStatus().isCreated().expectBody()
                .jsonPath("$.passed").isEqualTo(true);
        web.post().uri("/api/v1/evaluations/agents/synth/versions/{v}/synthetic-runs", version)
                .header("x-api-key", "demo-key").bodyValue(Map.of("tenant_key", "other-key"))
                .exchange().expectStatus().isBadRequest();
        web.post().uri("/api/v1/evaluations/agents/nosuite/versions/{v}/synthetic-runs", version)
                .header("x-api-key", "demo-key").exchange().expectStatus().isNotFound();
    }

    private static Predicate<ConsumerRecord<String, String>> gateResultOf(String version) {
        return r -> r.value() != null && r.value().contains("\"type\":\"voice.launch_gate.evaluated\"")
                && r.value().contains("\"agent_version_id\":\"" + version + "\"");
    }

    private void outcome(String callSid, String version, Outcome outcome, Long ttfa, String escalation) {
        outcome(callSid, version, outcome, ttfa, escalation, "account_balance", List.of());
    }

    private void outcome(String callSid, String version, Outcome outcome, Long ttfa, String escalation, String intent,
                         List<ToolSummary> tools) {
        // the evidence the outcome announces: the intent's state change (no turns)
        if (intent != null) {
            publish(callSid, new SessionStateChanged(Map.of("intent", intent)));
        }
        Instant start = Instant.now().minusSeconds(30);
        publish(callSid, new SessionOutcome(outcome, intent, version, "+15555550100", start, Instant.now(), 30_000,
                ttfa, 0, 0, 0, tools, escalation, "summary"));
    }

    private void publish(String callSid, dev.voiceagent.contracts.VoiceEvent event) {
        StepVerifier.create(events.publish("demo", callSid, event)).expectNextCount(1).verifyComplete();
    }

    private void awaitEvaluations(String version, long expected) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                StepVerifier.create(db.sql("SELECT count(*) AS n FROM evaluations WHERE agent_version_id = :v")
                                .bind("v", version).map(row -> row.get("n", Long.class)).one())
                        .expectNext(expected).verifyComplete());
    }

    private void awaitRows(String sql, String callSid, long expected) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                StepVerifier.create(db.sql(sql).bind("c", callSid).map(row -> row.get("n", Long.class)).one())
                        .expectNext(expected).verifyComplete());
    }

    private static String newCallSid() {
        return "CA" + UUID.randomUUID().toString().replace("-", "");
    }
}
