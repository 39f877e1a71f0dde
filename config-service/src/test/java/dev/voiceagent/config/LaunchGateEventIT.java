package dev.voiceagent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.EvaluationCompleted;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.EventType;
import dev.voiceagent.contracts.LaunchGateEvaluated;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The evaluation service's launch gate events lift (or keep) the canary refusal, once per gate evaluation. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "voice.admin-key=" + LaunchGateEventIT.ADMIN_KEY)
@AutoConfigureWebTestClient
@VoiceInfrastructure
class LaunchGateEventIT {

    static final String ADMIN_KEY = "it-admin-key";
    static final Duration WAIT = Duration.ofSeconds(30);

    @Autowired
    WebTestClient web;

    @Autowired
    EventPublisher events;

    @Autowired
    KafkaTemplate<String, String> kafka;

    String tenant;

    @BeforeEach
    void setUp() {
        tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aPublishedPassingGateLiftsTheCanaryRefusalAndARedeliveryWritesNothing() {
        createTenantWithTwoVersionsOnACanarySplit();
        promoteV2().expectStatus().isEqualTo(409).expectBody()
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("no launch gate result"));

        publish(gate("gate_fail_" + tenant, false, 0.41));
        await().atMost(WAIT).untilAsserted(() -> latestGate().expectStatus().isOk().expectBody()
                .jsonPath("$.evaluation_id").isEqualTo("gate_fail_" + tenant));
        promoteV2().expectStatus().isEqualTo(409).expectBody()
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("latest launch gate failed", "0.41"));

        // what else travels on the topic is skipped: session scores and types this version does not know
        publish(new EventEnvelope<>(UUID.randomUUID().toString(), EventType.EVALUATION_COMPLETED, "evaluation-service",
                Instant.now(), tenant, "CA" + UUID.randomUUID().toString().replace("-", ""), 1,
                new EvaluationCompleted("ev_1", "support-v2", Outcome.RESOLVED, 1.0, true, Map.of())));
        StepVerifier.create(Mono.fromFuture(() -> kafka.send(Topics.EVALUATIONS, tenant,
                "{\"specversion\":\"1.0\",\"id\":\"x-" + tenant + "\",\"type\":\"voice.launch_gate.revised\","
                        + "\"source\":\"later\",\"time\":\"2026-11-25T10:00:00Z\",\"tenantid\":\"" + tenant
                        + "\",\"data\":{}}"))).expectNextCount(1).verifyComplete();

        EventEnvelope<LaunchGateEvaluated> passed = gate("gate_pass_" + tenant, true, 0.93);
        publish(passed);
        publish(passed);
        await().atMost(WAIT).untilAsserted(() -> latestGate().expectStatus().isOk().expectBody()
                .jsonPath("$.passed").isEqualTo(true)
                .jsonPath("$.source").isEqualTo("evaluation-service")
                .jsonPath("$.evaluation_id").isEqualTo("gate_pass_" + tenant)
                .jsonPath("$.detail").value(d -> assertThat((String) d).startsWith("gate launch passed")));
        promoteV2().expectStatus().isOk();

        // one partition per tenant keeps order: once this later event is in, the redelivery was seen and skipped
        publish(gate("gate_late_" + tenant, true, 0.95));
        await().atMost(WAIT).untilAsserted(() -> latestGate().expectStatus().isOk().expectBody()
                .jsonPath("$.evaluation_id").isEqualTo("gate_late_" + tenant));
        admin(HttpMethod.GET, "/tenants/" + tenant + "/audit?action=agent.gate_result_recorded&limit=10", null)
                .expectStatus().isOk().expectBody()
                .jsonPath("$.length()").isEqualTo(3)
                .jsonPath("$[*].actor").value(actors -> assertThat((List<Object>) actors)
                        .containsOnly("evaluation-service"))
                .jsonPath("$[1].after.evaluation_id").isEqualTo("gate_pass_" + tenant)
                .jsonPath("$[1].before.passed").isEqualTo(false);
    }

    @Test
    void anOverrideOutranksAnEvaluationMadeBeforeItThatArrivesAfterIt() {
        createTenantWithTwoVersionsOnACanarySplit();
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support/versions/support-v2/gate-result",
                "{\"passed\":false,\"detail\":\"held back by hand\"}").expectStatus().isOk();
        // an evaluation made an hour before the override, delivered after it (the consumer was behind)
        publish(gate("gate_stale_" + tenant, true, 0.97, Instant.now().minus(Duration.ofHours(1))));
        await().atMost(WAIT).untilAsserted(() -> admin(HttpMethod.GET, "/tenants/" + tenant
                        + "/audit?action=agent.gate_result_recorded&limit=10", null)
                .expectStatus().isOk().expectBody().jsonPath("$.length()").isEqualTo(2));

        latestGate().expectStatus().isOk().expectBody()
                .jsonPath("$.source").isEqualTo("admin")
                .jsonPath("$.passed").isEqualTo(false);
        promoteV2().expectStatus().isEqualTo(409);
        // an evaluation made after the override does decide
        publish(gate("gate_fresh_" + tenant, true, 0.96));
        await().atMost(WAIT).untilAsserted(() -> latestGate().expectStatus().isOk().expectBody()
                .jsonPath("$.evaluation_id").isEqualTo("gate_fresh_" + tenant));
        promoteV2().expectStatus().isOk();
    }

    private EventEnvelope<LaunchGateEvaluated> gate(String id, boolean passed, double meanScore) {
        return gate(id, passed, meanScore, Instant.now());
    }

    private EventEnvelope<LaunchGateEvaluated> gate(String id, boolean passed, double meanScore, Instant now) {
        var criterion = new LaunchGateEvaluated.Criterion("min_pass_rate", passed, "0.9", String.valueOf(meanScore),
                "pass rate " + meanScore + (passed ? " ≥ " : " < ") + "0.9");
        return new EventEnvelope<>(UUID.nameUUIDFromBytes(id.getBytes()).toString(),
                EventType.LAUNCH_GATE_EVALUATED, "evaluation-service", now, tenant, null, 1,
                new LaunchGateEvaluated(id, "support", "support-v2", "launch", passed, now, null, null, true,
                        List.of(criterion), new LaunchGateEvaluated.Stats(20, meanScore, meanScore, 800L, 0)));
    }

    private void publish(EventEnvelope<?> envelope) {
        StepVerifier.create(events.publish(envelope)).verifyComplete();
    }

    private WebTestClient.ResponseSpec latestGate() {
        return admin(HttpMethod.GET, "/tenants/" + tenant + "/agents/support/versions/support-v2/gate-result", null);
    }

    private WebTestClient.ResponseSpec promoteV2() {
        return admin(HttpMethod.POST, "/tenants/" + tenant + "/agents/support/rollout/promote",
                "{\"agent_version_id\":\"support-v2\"}");
    }

    private void createTenantWithTwoVersionsOnACanarySplit() {
        admin(HttpMethod.PUT, "/tenants/" + tenant, "{\"display_name\":\"Tenant " + tenant
                + "\",\"phone_numbers\":[],\"time_zone\":\"Europe/Berlin\"}").expectStatus().isCreated();
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support",
                "{\"intents\":[{\"name\":\"balance\",\"class\":\"resolvable\",\"tools\":[\"lookup\"]}]}")
                .expectStatus().isOk();
        admin(HttpMethod.POST, "/tenants/" + tenant + "/agents/support/versions", null).expectStatus().isCreated();
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support",
                "{\"intents\":[{\"name\":\"balance\",\"class\":\"resolvable\",\"tools\":[\"lookup\",\"sms\"]}]}")
                .expectStatus().isOk();
        admin(HttpMethod.POST, "/tenants/" + tenant + "/agents/support/versions", null).expectStatus().isCreated();
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support/rollout",
                "{\"splits\":[{\"agent_version_id\":\"support-v2\",\"percent\":10},"
                        + "{\"agent_version_id\":\"support-v1\",\"percent\":90}]}").expectStatus().isOk();
    }

    private WebTestClient.ResponseSpec admin(HttpMethod method, String path, String body) {
        var request = web.method(method).uri("/api/v1/admin" + path).header("x-admin-key", ADMIN_KEY);
        if (body != null) {
            return request.contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
        }
        return request.exchange();
    }
}
