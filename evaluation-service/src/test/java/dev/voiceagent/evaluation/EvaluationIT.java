package dev.voiceagent.evaluation;

import dev.voiceagent.testkit.kafka.TopicProbe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.EvaluationCompleted;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.EventType;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionEvents.SessionStateChanged;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.SessionOutcome.ToolSummary;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.TenantConfigPublished.VersionView;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.TranscriptTurn;
import dev.voiceagent.evaluation.session.EvidenceRepository;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.ApiKeys;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@VoiceInfrastructure
class EvaluationIT {

    static final Duration WAIT = Duration.ofSeconds(20);

    @Autowired WebTestClient web;
    @Autowired EventPublisher events;
    @Autowired KafkaTemplate<String, String> kafka;
    @Autowired TenantDirectory directory;
    @Autowired DatabaseClient db;
    @Autowired EvidenceRepository evidence;
    @Value("${spring.kafka.bootstrap-servers}") String bootstrap;

    TopicProbe probe;

    @BeforeEach
    void tenants() {
        probe = new TopicProbe(bootstrap);
        directory.apply(tenant("demo", "demo-key"));
        directory.apply(tenant("other", "other-key"));
        directory.apply(consentTenant());
    }

    /** A tenant whose version {@code consent-v1} must disclose that the agent is an AI. */
    static TenantConfigPublished consentTenant() {
        VersionView version = new VersionView("consent-v1", List.of("lookup"), List.of(), List.of(), null, null, null,
                List.of("ai_disclosure"), null);
        return new TenantConfigPublished("late", "late", true, List.of(), "UTC", null,
                List.of(ApiKeys.hash("late-key")),
                List.of(new AgentView("support", "consent-v1", List.of("lookup"), null, List.of(version), null)), 1);
    }

    static TenantConfigPublished tenant(String id, String key) {
        return new TenantConfigPublished(id, id, true, List.of(), "UTC", null, List.of(ApiKeys.hash(key)),
                List.of(), 1);
    }

    @Test
    void scoresAFinishedSessionOnceAndServesItToItsTenantOnly() {
        String callSid = newCallSid();
        publish("demo", callSid, new TranscriptTurn("caller", "what's my balance?", "i1", 0, 1200));
        publish("demo", callSid, new TranscriptTurn("agent", "It is 42.50 dollars.", "i2", 1, 2400));
        publish("demo", callSid, new ToolCompleted("t1", "lookup", "ok", Map.of("found", true), null, 35));
        publish("demo", callSid, new SessionStateChanged(Map.of("intent", "account_balance")));
        awaitRows("SELECT count(*) AS n FROM transcript_turns WHERE call_sid = :c", callSid, 2);
        awaitRows("SELECT count(*) AS n FROM tool_results WHERE call_sid = :c", callSid, 1);

        EventEnvelope<SessionOutcome> outcome = EventEnvelope.of("media-bridge-service", "demo", callSid,
                outcome(Outcome.RESOLVED, List.of(new ToolSummary("t1", "lookup", "ok", 35)), null));
        StepVerifier.create(events.publish(outcome).then(events.publish(outcome))
                .then(events.publish(EventEnvelope.of("media-bridge-service", "demo", callSid, outcome.data()))))
                .verifyComplete();

        List<ConsumerRecord<String, String>> completed = probe.await(Topics.EVALUATIONS,
                r -> callSid.equals(r.key()), 1, WAIT, Duration.ofSeconds(2));
        assertThat(completed).hasSize(1);
        EventEnvelope<?> envelope = EventCodec.decode(completed.get(0).value()).orElseThrow();
        EvaluationCompleted evaluation = (EvaluationCompleted) envelope.data();
        assertThat(envelope.tenantId()).isEqualTo("demo");
        assertThat(evaluation.passed()).isTrue();
        assertThat(evaluation.outcome()).isEqualTo(Outcome.RESOLVED);
        assertThat(evaluation.criteria()).containsEntry("tool_policy", 1.0).containsKey("responsiveness");
        awaitRows("SELECT count(*) AS n FROM evaluations WHERE call_sid = :c AND published_at IS NOT NULL", callSid, 1);
        assertThat(metrics()).contains(
                "voice_evaluations_total{agent_version_id=\"support-v1\",application=\"evaluation-service\",passed=\"true\"}");

        web.get().uri("/api/v1/evaluations/sessions/{c}", callSid).header("x-api-key", "demo-key")
                .exchange().expectStatus().isOk()
                .expectBody()
                .jsonPath("$.call_sid").isEqualTo(callSid)
                .jsonPath("$.evaluation_id").isEqualTo(evaluation.evaluationId())
                .jsonPath("$.passed").isEqualTo(true)
                .jsonPath("$.outcome").isEqualTo("resolved")
                .jsonPath("$.rubric_version").isEqualTo("rules-v2")
                .jsonPath("$.criteria.length()").isEqualTo(11)
                .jsonPath("$.criteria[0].name").isEqualTo("resolution")
                .jsonPath("$.criteria[0].detail").isEqualTo("outcome resolved");
        web.get().uri("/api/v1/evaluations/sessions/{c}", callSid).header("x-api-key", "other-key")
                .exchange().expectStatus().isNotFound();
        web.get().uri("/api/v1/evaluations/sessions/{c}", callSid).header("x-api-key", "nope")
                .exchange().expectStatus().isUnauthorized();
        web.get().uri("/api/v1/evaluations/sessions/{c}", callSid)
                .exchange().expectStatus().isUnauthorized();
    }

    @Test
    void aDeniedToolFailsTheSession() {
        String callSid = newCallSid();
        publish("demo", callSid, new ToolCompleted("t9", "sms", "denied", Map.of(), "not allowed", 2));
        publish("demo", callSid, new TranscriptTurn("caller", "text me my balance", "i1", 0, 1200));
        publish("demo", callSid, new TranscriptTurn("agent", "I can't send texts, sorry.", "i2", 1, 2400));
        publish("demo", callSid, new SessionStateChanged(Map.of("intent", "account_balance")));
        awaitRows("SELECT count(*) AS n FROM tool_results WHERE call_sid = :c", callSid, 1);
        publish("demo", callSid, outcome(Outcome.RESOLVED, List.of(), null));

        awaitRows("SELECT count(*) AS n FROM evaluations WHERE call_sid = :c AND NOT passed", callSid, 1);
        web.get().uri("/api/v1/evaluations/sessions/{c}", callSid).header("x-api-key", "demo-key")
                .exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.passed").isEqualTo(false)
                .jsonPath("$.criteria[1].name").isEqualTo("tool_policy")
                .jsonPath("$.criteria[1].score").isEqualTo(0.0);
        assertThat(metrics()).contains(
                "voice_evaluations_total{agent_version_id=\"support-v1\",application=\"evaluation-service\",passed=\"false\"}");
    }

    @Test
    void waitsForTheEvidenceItsOutcomeAnnouncesBeforeScoring() {
        String callSid = newCallSid();
        // the bridge gave up on t1 after its timeout; the executor's denial reaches the results topic later, and the
        // transcript listener lags: the outcome arrives first
        Instant start = Instant.now().minusSeconds(30);
        publish("late", callSid, new SessionOutcome(Outcome.RESOLVED, "account_balance", "consent-v1", "+15555550100",
                start, Instant.now(), 30_000, 700L, 1, 1, 0, List.of(new ToolSummary("t1", "lookup", "timeout", 8000)),
                null, "balance given"));
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertRows("SELECT count(*) AS n FROM evaluations WHERE call_sid = :c",
                        callSid, 0));

        publish("late", callSid, new TranscriptTurn("caller", "what's my balance?", "i1", 0, 1200));
        publish("late", callSid, new TranscriptTurn("agent", "I'm a virtual assistant. It is 42.50 dollars.", "i2", 1,
                2400));
        publish("late", callSid, new ToolCompleted("t1", "lookup", "denied", Map.of(), "not allowed", 5));
        publish("late", callSid, new SessionStateChanged(Map.of("intent", "account_balance")));

        awaitRows("SELECT count(*) AS n FROM evaluations WHERE call_sid = :c", callSid, 1);
        web.get().uri("/api/v1/evaluations/sessions/{c}", callSid).header("x-api-key", "late-key")
                .exchange().expectStatus().isOk()
                .expectBody()
                .jsonPath("$.passed").isEqualTo(false)
                .jsonPath("$.criteria[?(@.name == 'tool_policy')].score").isEqualTo(0.0)
                .jsonPath("$.criteria[?(@.name == 'consents')].score").isEqualTo(1.0)
                .jsonPath("$.evidence_note").doesNotExist();
    }

    @Test
    void scoresWithWhatIsStoredWhenTheEvidenceNeverComesAndSaysSo() {
        String starved = newCallSid();
        publish("demo", starved, outcome(Outcome.RESOLVED, List.of(), null));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofMillis(4500)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertRows("SELECT count(*) AS n FROM evaluations WHERE call_sid = :c",
                        starved, 0));

        awaitRows("SELECT count(*) AS n FROM evaluations WHERE call_sid = :c", starved, 1);
        web.get().uri("/api/v1/evaluations/sessions/{c}", starved).header("x-api-key", "demo-key")
                .exchange().expectStatus().isOk()
                .expectBody()
                .jsonPath("$.evidence_note").value((String note) -> assertThat(note).startsWith("scored after waiting")
                        .contains("0 of 1 caller turns", "0 of 1 agent turns", "no state for intent account_balance"));
        assertThat(metrics()).contains("voice_evaluations_evidence_incomplete_total{agent_version_id=\"support-v1\","
                + "application=\"evaluation-service\"}");

        // an outcome that announces nothing more has nothing to wait for
        String quiet = newCallSid();
        publish("demo", quiet, new SessionOutcome(Outcome.ABANDONED, null, "support-v1", "+15555550100",
                Instant.now().minusSeconds(5), Instant.now(), 5_000, null, 0, 0, 0, List.of(), null, "no speech"));
        awaitRows("SELECT count(*) AS n FROM evaluations WHERE call_sid = :c AND evidence_note IS NULL", quiet, 1);
    }

    @Test
    void aStateChangeAppliedLateDoesNotOverwriteANewerOne() {
        String callSid = newCallSid();
        Instant said = Instant.now();
        EventEnvelope<SessionStateChanged> older = stateAt(callSid, said,
                Map.of("caller_identity", "pending", "intent", "account_balance"));
        EventEnvelope<SessionStateChanged> newer = stateAt(callSid, said.plusMillis(200),
                Map.of("caller_identity", "verified", "intent", "account_balance", "current_task", "lookup"));

        StepVerifier.create(evidence.saveState(newer, newer.data().state())
                        .then(evidence.saveState(older, older.data().state())))
                .expectNextCount(1).verifyComplete();

        StepVerifier.create(evidence.states(callSid))
                .assertNext(state -> assertThat(state).containsEntry("caller_identity", "verified")
                        .containsEntry("intent", "account_balance").containsEntry("current_task", "lookup"))
                .verifyComplete();
    }

    private static EventEnvelope<SessionStateChanged> stateAt(String callSid, Instant time, Map<String, Object> state) {
        return new EventEnvelope<>(UUID.randomUUID().toString(), EventType.SESSION_STATE_CHANGED,
                "media-bridge-service", time, "demo", callSid, EventEnvelope.SCHEMA_VERSION,
                new SessionStateChanged(state));
    }

    private String metrics() {
        return web.mutate().codecs(c -> c.defaultCodecs().maxInMemorySize(8 << 20)).build()
                .get().uri("/metrics").exchange().expectStatus().isOk().expectBody(String.class)
                .returnResult().getResponseBody();
    }

    @Test
    void garbageOutcomeGoesToTheDeadLetterTopic() {
        String garbage = "{\"type\":\"voice.session.outcome\",\"id\":\"" + UUID.randomUUID() + "\"}";
        StepVerifier.create(Mono.fromFuture(() -> kafka.send(Topics.OUTCOMES, "k", garbage)))
                .expectNextCount(1).verifyComplete();
        assertThat(probe.await(Topics.deadLetter(Topics.OUTCOMES), r -> garbage.equals(r.value()), 1, WAIT,
                Duration.ZERO)).hasSize(1);
    }

    @Test
    void unknownSessionIs404() {
        web.get().uri("/api/v1/evaluations/sessions/CAnope").header("x-api-key", "demo-key")
                .exchange().expectStatus().isNotFound();
    }

    static SessionOutcome outcome(Outcome outcome, List<ToolSummary> tools, String escalationReason) {
        Instant start = Instant.now().minusSeconds(30);
        return new SessionOutcome(outcome, "account_balance", "support-v1", "+15555550100", start, Instant.now(),
                30_000, 700L, 1, 1, 0, tools, escalationReason, "balance given");
    }

    private void publish(String tenant, String callSid, dev.voiceagent.contracts.VoiceEvent event) {
        StepVerifier.create(events.publish(tenant, callSid, event)).expectNextCount(1).verifyComplete();
    }

    private void assertRows(String sql, String callSid, long expected) {
        StepVerifier.create(db.sql(sql).bind("c", callSid).map(row -> row.get("n", Long.class)).one())
                .expectNext(expected).verifyComplete();
    }

    private void awaitRows(String sql, String callSid, long expected) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertRows(sql, callSid, expected));
    }

    private static String newCallSid() {
        return "CA" + UUID.randomUUID().toString().replace("-", "");
    }
}
