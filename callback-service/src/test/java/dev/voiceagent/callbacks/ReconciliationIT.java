package dev.voiceagent.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.callbacks.reconcile.CallLogReconciler;
import dev.voiceagent.contracts.CallEvents.CallCreated;
import dev.voiceagent.contracts.CallEvents.CallStatusChanged;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.EventType;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.test.StepVerifier;

/**
 * Reconciliation with call logs when events come late or out of order: the grace period runs from when the service
 * saw a call complete, a late outcome closes (or takes over) the {@code unknown_outcome} task, and a call's status
 * only moves forward.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.callbacks.sweep-interval=200ms",
        "voice.callbacks.notifications.delivery-interval=200ms",
        "voice.callbacks.notifications.default-secret=s3cret",
        "voice.callbacks.reconciliation.unknown-outcome-after=3s"})
@AutoConfigureWebTestClient
@VoiceInfrastructure
class ReconciliationIT {

    static final Duration WAIT = CallbackFixtures.WAIT;
    static WebhookReceiver WEBHOOK;

    @Autowired WebTestClient web;
    @Autowired EventPublisher events;
    @Autowired TenantDirectory directory;
    @Autowired CallLogReconciler reconciler;
    @Autowired DatabaseClient db;
    CallbackFixtures fixtures;

    @BeforeAll
    static void start() {
        WEBHOOK = new WebhookReceiver(hook -> 204);
    }

    @AfterAll
    static void stop() {
        WEBHOOK.close();
    }

    @BeforeEach
    void tenants() {
        fixtures = new CallbackFixtures(events, db);
        directory.apply(CallbackFixtures.tenant("recon", "recon-key", WEBHOOK.url("/hook"), null));
    }

    @Test
    void aCompletionConsumedLateStillWaitsTheGracePeriodForItsOutcome() {
        // the service was down for ten minutes: the call's completion is consumed long after it happened
        String callSid = CallbackFixtures.newCallSid();
        Instant tenMinutesAgo = Instant.now().minus(Duration.ofMinutes(10));
        fixtures.publish(envelope(callSid, tenMinutesAgo.minusSeconds(60),
                new CallCreated("inbound", "+15555550177", "+15555550000", "support", "v1")));
        fixtures.publish(envelope(callSid, tenMinutesAgo, new CallStatusChanged("completed", "in-progress", 42)));
        fixtures.awaitCount("SELECT count(*) AS n FROM call_records WHERE call_sid = :c AND status = 'completed'",
                callSid, 1);
        // its outcome is consumed a moment later (several sweeps later), still within the grace period
        await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
        fixtures.publish("recon", callSid, outcome(Outcome.RESOLVED, null));

        await().atMost(WAIT).untilAsserted(() -> assertThat(callCompleted(callSid)).isNotEmpty());
        assertThat(data(callCompleted(callSid).get(0).body())).containsEntry("outcome", "resolved")
                .containsEntry("direction", "inbound");
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).untilAsserted(() ->
                fixtures.assertCount("SELECT count(*) AS n FROM callback_tasks WHERE call_sid = :c", callSid, 0));
    }

    @Test
    void aLateOutcomeCancelsTheUnknownOutcomeTaskOnceEvenWhenRedelivered() {
        String callSid = CallbackFixtures.newCallSid();
        fixtures.publish("recon", callSid, new CallStatusChanged("completed", "in-progress", 42));
        String taskId = fixtures.awaitTaskId(callSid);
        taskHasReason(taskId, "unknown_outcome");

        EventEnvelope<SessionOutcome> late = EventEnvelope.of("media-bridge-service", "recon", callSid,
                outcome(Outcome.RESOLVED, null));
        fixtures.publish(late);
        fixtures.publish(late);
        await().atMost(WAIT).untilAsserted(() -> web.get().uri("/api/v1/callbacks/{id}", taskId)
                .header("x-api-key", "recon-key").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("cancelled")
                .jsonPath("$.history[?(@.action == 'cancelled')].detail")
                .isEqualTo("the call's outcome arrived late: resolved"));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).untilAsserted(() -> fixtures.assertCount(
                "SELECT count(*) AS n FROM callback_task_history WHERE task_id = :c AND action = 'cancelled'",
                taskId, 1));
        fixtures.assertCount("SELECT count(*) AS n FROM webhook_events WHERE task_id = :c "
                + "AND type = 'callback.task.cancelled'", taskId, 1);
        fixtures.assertCount("SELECT count(*) AS n FROM callback_tasks WHERE call_sid = :c", callSid, 1);
    }

    @Test
    void aLateCallbackOutcomeTakesTheUnknownOutcomeTaskOver() {
        String callSid = CallbackFixtures.newCallSid();
        fixtures.publish("recon", callSid, new CallStatusChanged("completed", "in-progress", 42));
        String taskId = fixtures.awaitTaskId(callSid);
        taskHasReason(taskId, "unknown_outcome");

        EventEnvelope<SessionOutcome> late = EventEnvelope.of("media-bridge-service", "recon", callSid,
                outcome(Outcome.CALLBACK_CREATED, "wants a manager"));
        fixtures.publish(late);
        fixtures.publish(late);
        await().atMost(WAIT).untilAsserted(() -> web.get().uri("/api/v1/callbacks/{id}", taskId)
                .header("x-api-key", "recon-key").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("open")
                .jsonPath("$.reason").isEqualTo("wants a manager")
                .jsonPath("$.source").isEqualTo("outcome")
                .jsonPath("$.history[?(@.action == 'merged')].actor").isEqualTo("media-bridge-service"));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).untilAsserted(() -> fixtures.assertCount(
                "SELECT count(*) AS n FROM callback_tasks WHERE call_sid = :c", callSid, 1));
        fixtures.assertCount("SELECT count(*) AS n FROM callback_task_history WHERE task_id = :c AND action = 'merged'",
                taskId, 1);
    }

    @Test
    void anEarlierStatusAppliedLateDoesNotOverwriteALaterOne() {
        String callSid = CallbackFixtures.newCallSid();
        Instant end = Instant.now();
        applyStatus(callSid, end, new CallStatusChanged("completed", "in-progress", 42));
        applyStatus(callSid, end.minusSeconds(40), new CallStatusChanged("in-progress", "ringing", null));
        applyStatus(callSid, end.minusSeconds(45), new CallStatusChanged("ringing", "queued", null));
        assertStatus(callSid, "completed", end, 42);
        // the same time: the later status by rank wins, whichever is applied first
        applyStatus(callSid, end, new CallStatusChanged("in-progress", "ringing", null));
        assertStatus(callSid, "completed", end, 42);

        String other = CallbackFixtures.newCallSid();
        Instant at = Instant.now();
        applyStatus(other, at, new CallStatusChanged("ringing", "queued", null));
        applyStatus(other, at, new CallStatusChanged("in-progress", "ringing", null));
        assertStatus(other, "in-progress", at, null);
    }

    private void applyStatus(String callSid, Instant at, CallStatusChanged changed) {
        StepVerifier.create(reconciler.onStatus(envelope(callSid, at, changed), changed)).verifyComplete();
    }

    private void assertStatus(String callSid, String status, Instant at, Integer durationSeconds) {
        StepVerifier.create(db.sql("SELECT status, status_at, duration_seconds FROM call_records WHERE call_sid = :c")
                        .bind("c", callSid)
                        .map(row -> row.get("status", String.class) + " at "
                                + row.get("status_at", OffsetDateTime.class).toInstant().toEpochMilli() + ", "
                                + row.get("duration_seconds", Integer.class) + " s")
                        .one())
                .expectNext(status + " at " + at.toEpochMilli() + ", " + durationSeconds + " s")
                .verifyComplete();
    }

    private void taskHasReason(String taskId, String reason) {
        web.get().uri("/api/v1/callbacks/{id}", taskId).header("x-api-key", "recon-key").exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.reason").isEqualTo(reason)
                .jsonPath("$.source").isEqualTo("reconciliation");
    }

    private static <T extends dev.voiceagent.contracts.VoiceEvent> EventEnvelope<T> envelope(String callSid,
                                                                                              Instant at, T data) {
        EventType type = data instanceof CallCreated ? EventType.CALL_CREATED : EventType.CALL_STATUS_CHANGED;
        return new EventEnvelope<>(UUID.randomUUID().toString(), type, "gateway-service", at, "recon", callSid,
                EventEnvelope.SCHEMA_VERSION, data);
    }

    static SessionOutcome outcome(Outcome outcome, String escalationReason) {
        Instant start = Instant.now().minusSeconds(30);
        return new SessionOutcome(outcome, "billing", "support-v1", "+15555550177", start, Instant.now(), 30_000,
                700L, 1, 1, 0, List.of(), escalationReason, "summary of the call");
    }

    private static List<WebhookReceiver.Hook> callCompleted(String callSid) {
        return WEBHOOK.hooks().stream()
                .filter(h -> "voice.call.completed".equals(h.eventType()) && h.body().contains(callSid)).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> data(String body) {
        return (Map<String, Object>) EventCodec.mapper().readValue(body, Map.class).get("data");
    }
}
