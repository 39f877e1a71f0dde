package dev.voiceagent.callbacks;

import dev.voiceagent.testkit.kafka.TopicProbe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.CallbackRequested;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.ApiKeys;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@VoiceInfrastructure
class CallbackIT {

    static final Duration WAIT = Duration.ofSeconds(20);

    @Autowired WebTestClient web;
    @Autowired EventPublisher events;
    @Autowired KafkaTemplate<String, String> kafka;
    @Autowired TenantDirectory directory;
    @Autowired DatabaseClient db;
    @Value("${spring.kafka.bootstrap-servers}") String bootstrap;
    @LocalServerPort int port;

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
    void aCallbackRequestOpensOneTaskDueBySlaEvenWhenRedelivered() {
        String callSid = newCallSid();
        String callbackId = "cb_" + UUID.randomUUID().toString().replace("-", "");
        EventEnvelope<CallbackRequested> envelope = EventEnvelope.of("tool-executor-service", "demo", callSid,
                new CallbackRequested(callbackId, "wants a refund", "high", "+15555550100", null, "call_1"));
        StepVerifier.create(events.publish(envelope).then(events.publish(envelope))).verifyComplete();
        // the session's outcome for the same call must not open a second task
        publish("demo", callSid, outcome(Outcome.CALLBACK_CREATED, "refund"));

        String id = awaitTaskId(callSid);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(taskCount(callSid)).isEqualTo(1L));
        web.get().uri("/api/v1/callbacks/{id}", id).header("x-api-key", "demo-key").exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.callback_id").isEqualTo(callbackId)
                .jsonPath("$.status").isEqualTo("open")
                .jsonPath("$.priority").isEqualTo("high")
                .jsonPath("$.reason").isEqualTo("wants a refund")
                .jsonPath("$.caller_number").isEqualTo("+15555550100")
                .jsonPath("$.due_at").value((String due) -> assertThat(Duration.between(
                        envelope.time().plus(Duration.ofHours(1)), Instant.parse(due)).abs())
                        .isLessThan(Duration.ofMillis(1)))
                .jsonPath("$.history[0].action").isEqualTo("opened");
        web.get().uri("/api/v1/callbacks?status=open").header("x-api-key", "demo-key").exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.callbacks[?(@.id == '" + id + "')].call_sid").isEqualTo(callSid);
        web.get().uri("/api/v1/callbacks/{id}", id).header("x-api-key", "other-key").exchange()
                .expectStatus().isNotFound();
        web.get().uri("/api/v1/callbacks?status=open").header("x-api-key", "other-key").exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.callbacks.length()").isEqualTo(0);
    }

    @Test
    void aCallbackCreatedOutcomeWithoutARequestOpensATaskOnce() {
        String callSid = newCallSid();
        EventEnvelope<SessionOutcome> envelope = EventEnvelope.of("media-bridge-service", "demo", callSid,
                outcome(Outcome.CALLBACK_CREATED, "caller asked for a human"));
        StepVerifier.create(events.publish(envelope).then(events.publish(envelope))
                .then(events.publish(EventEnvelope.of("media-bridge-service", "demo", callSid, envelope.data()))))
                .verifyComplete();
        String id = awaitTaskId(callSid);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(taskCount(callSid)).isEqualTo(1L));
        web.get().uri("/api/v1/callbacks/{id}", id).header("x-api-key", "demo-key").exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.reason").isEqualTo("caller asked for a human")
                .jsonPath("$.source").isEqualTo("outcome")
                .jsonPath("$.priority").isEqualTo("normal");
    }

    @Test
    void otherOutcomesOpenNoTask() {
        String callSid = newCallSid();
        publish("demo", callSid, outcome(Outcome.RESOLVED, null));
        String marker = newCallSid();
        publish("demo", marker, outcome(Outcome.CALLBACK_CREATED, null));
        awaitTaskId(marker);
        assertThat(taskCount(callSid)).isZero();
    }

    @Test
    void onlyOneOfConcurrentClaimsWinsAndOnlyTheHolderCompletes() {
        String callSid = newCallSid();
        publish("demo", callSid, new CallbackRequested("cb_" + UUID.randomUUID(), "billing question", "urgent",
                "+15555550100", Instant.parse("2030-01-01T09:00:00Z"), "call_2"));
        String id = awaitTaskId(callSid);

        WebClient client = WebClient.create("http://localhost:" + port);
        Mono<List<Integer>> claims = Flux.range(0, 6)
                .flatMap(i -> client.post().uri("/api/v1/callbacks/{id}/claim", id).header("x-api-key", "demo-key")
                        .bodyValue(Map.of("owner", "agent-" + i))
                        .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value())))
                .collectList();
        StepVerifier.create(claims).assertNext(statuses -> {
            assertThat(statuses).filteredOn(s -> s == 200).hasSize(1);
            assertThat(statuses).filteredOn(s -> s == 409).hasSize(5);
        }).verifyComplete();

        String holder = web.get().uri("/api/v1/callbacks/{id}", id).header("x-api-key", "demo-key").exchange()
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody().get("owner").toString();
        web.post().uri("/api/v1/callbacks/{id}/claim", id).header("x-api-key", "demo-key")
                .bodyValue(Map.of("owner", holder)).exchange().expectStatus().isOk();
        web.post().uri("/api/v1/callbacks/{id}/complete", id).header("x-api-key", "demo-key")
                .bodyValue(Map.of("owner", "someone-else")).exchange().expectStatus().isEqualTo(409);
        web.post().uri("/api/v1/callbacks/{id}/complete", id).header("x-api-key", "other-key")
                .bodyValue(Map.of("owner", holder)).exchange().expectStatus().isNotFound();
        web.post().uri("/api/v1/callbacks/{id}/complete", id).header("x-api-key", "demo-key")
                .bodyValue(Map.of("owner", holder, "disposition", "refund issued")).exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("done")
                .jsonPath("$.disposition").isEqualTo("refund issued")
                .jsonPath("$.history.length()").isEqualTo(3)
                .jsonPath("$.history[2].action").isEqualTo("completed");
        web.post().uri("/api/v1/callbacks/{id}/complete", id).header("x-api-key", "demo-key")
                .bodyValue(Map.of("owner", holder)).exchange().expectStatus().isEqualTo(409);
        web.get().uri("/api/v1/callbacks?status=done").header("x-api-key", "demo-key").exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.callbacks[?(@.id == '" + id + "')].status").isEqualTo("done");
    }

    @Test
    void badRequestsAreClearErrors() {
        web.get().uri("/api/v1/callbacks").exchange().expectStatus().isUnauthorized();
        web.get().uri("/api/v1/callbacks").header("x-api-key", "nope").exchange().expectStatus().isUnauthorized();
        web.get().uri("/api/v1/callbacks?status=bogus").header("x-api-key", "demo-key").exchange()
                .expectStatus().isBadRequest();
        web.get().uri("/api/v1/callbacks?limit=x").header("x-api-key", "demo-key").exchange()
                .expectStatus().isBadRequest();
        web.post().uri("/api/v1/callbacks/task_nope/claim").header("x-api-key", "demo-key")
                .bodyValue(Map.of("owner", "a")).exchange().expectStatus().isNotFound();
        web.post().uri("/api/v1/callbacks/task_nope/claim").header("x-api-key", "demo-key")
                .bodyValue(Map.of()).exchange().expectStatus().isBadRequest();
    }

    @Test
    void garbageCallbackGoesToTheDeadLetterTopic() {
        String garbage = "{\"type\":\"voice.callback.requested\",\"id\":\"" + UUID.randomUUID() + "\"";
        StepVerifier.create(Mono.fromFuture(() -> kafka.send(Topics.CALLBACKS, "k", garbage)))
                .expectNextCount(1).verifyComplete();
        assertThat(new TopicProbe(bootstrap).await(Topics.deadLetter(Topics.CALLBACKS), r -> garbage.equals(r.value()),
                1, WAIT, Duration.ZERO)).hasSize(1);
    }

    static SessionOutcome outcome(Outcome outcome, String escalationReason) {
        Instant start = Instant.now().minusSeconds(30);
        return new SessionOutcome(outcome, "billing", "support-v1", "+15555550100", start, Instant.now(), 30_000,
                700L, 1, 1, 0, List.of(), escalationReason, "summary of the call");
    }

    private void publish(String tenant, String callSid, dev.voiceagent.contracts.VoiceEvent event) {
        StepVerifier.create(events.publish(tenant, callSid, event)).expectNextCount(1).verifyComplete();
    }

    private String awaitTaskId(String callSid) {
        java.util.concurrent.atomic.AtomicReference<String> id = new java.util.concurrent.atomic.AtomicReference<>();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                StepVerifier.create(db.sql("SELECT id FROM callback_tasks WHERE call_sid = :c ORDER BY created_at "
                                + "LIMIT 1").bind("c", callSid).map(row -> row.get("id", String.class)).one())
                        .consumeNextWith(id::set).verifyComplete());
        return id.get();
    }

    private long taskCount(String callSid) {
        java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();
        StepVerifier.create(db.sql("SELECT count(*) AS n FROM callback_tasks WHERE call_sid = :c").bind("c", callSid)
                        .map(row -> row.get("n", Long.class)).one())
                .consumeNextWith(count::set).verifyComplete();
        return count.get();
    }

    private static String newCallSid() {
        return "CA" + UUID.randomUUID().toString().replace("-", "");
    }
}
