package dev.voiceagent.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.callbacks.webhook.WebhookSigner;
import dev.voiceagent.contracts.CallEvents.CallCreated;
import dev.voiceagent.contracts.CallEvents.CallStatusChanged;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import dev.voiceagent.testkit.kafka.TopicProbe;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.test.StepVerifier;

/**
 * The tenant's webhook: {@code voice.call.completed} once per call, task lifecycle events, signatures, retries,
 * dead letters and redelivery through the API; SLA alerts by SMS to the on-call number through the tool request
 * topic, once per task and kind.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.callbacks.sweep-interval=200ms",
        "voice.callbacks.notifications.delivery-interval=200ms",
        "voice.callbacks.notifications.secrets.hooks=s3cret",
        "voice.callbacks.notifications.secrets.deadhooks=d3ad",
        "voice.callbacks.notifications.initial-backoff=100ms",
        "voice.callbacks.notifications.max-backoff=200ms",
        "voice.callbacks.notifications.max-attempts=3",
        "voice.callbacks.reconciliation.unknown-outcome-after=1h"})
@AutoConfigureWebTestClient(timeout = "30s")
@VoiceInfrastructure
class WebhookEventsIT {

    static final Duration WAIT = CallbackFixtures.WAIT;
    static final String ON_CALL = "+15555550142";
    /** Events whose first attempt was answered 500 (each event is retried once on /hook). */
    static final Set<String> FAILED_ONCE = ConcurrentHashMap.newKeySet();
    /** Whether /dead answers 500 (until a test lets it recover). */
    static final AtomicBoolean DEAD = new AtomicBoolean(true);
    static WebhookReceiver WEBHOOK;

    @Autowired WebTestClient web;
    @Autowired EventPublisher events;
    @Autowired TenantDirectory directory;
    @Autowired DatabaseClient db;
    @Value("${spring.kafka.bootstrap-servers}") String bootstrap;
    CallbackFixtures fixtures;

    @BeforeAll
    static void start() {
        WEBHOOK = new WebhookReceiver(hook -> switch (hook.path()) {
            case "/hook" -> FAILED_ONCE.add(hook.eventId()) ? 500 : 204;
            case "/dead" -> DEAD.get() ? 500 : 204;
            default -> 404;
        });
    }

    @AfterAll
    static void stop() {
        WEBHOOK.close();
    }

    @BeforeEach
    void tenants() {
        fixtures = new CallbackFixtures(events, db);
        directory.apply(CallbackFixtures.tenant("hooks", "hooks-key", WEBHOOK.url("/hook"), ON_CALL));
        directory.apply(CallbackFixtures.tenant("deadhooks", "deadhooks-key", WEBHOOK.url("/dead"), null));
        directory.apply(CallbackFixtures.tenant("quiet", "quiet-key", null, null));
    }

    @Test
    void aFinishedCallIsReportedOnceSignedAndRetriedEvenWhenItsOutcomeIsRedelivered() {
        String callSid = CallbackFixtures.newCallSid();
        fixtures.publish("hooks", callSid, new CallCreated("inbound", "+15555550177", "+15555550000", "support",
                "support-v3"));
        // the call log must be known before the outcome arrives, as in a real call
        fixtures.awaitCount("SELECT count(*) AS n FROM call_records WHERE call_sid = :c AND direction IS NOT NULL",
                callSid, 1);
        SessionOutcome outcome = new SessionOutcome(Outcome.RESOLVED, "billing", "support-v3", "+15555550177",
                Instant.now().minusSeconds(30), Instant.now(), 30_000, 640L, 3, 4, 1, List.of(), null, "paid");
        EventEnvelope<SessionOutcome> envelope = EventEnvelope.of("media-bridge-service", "hooks", callSid, outcome);
        fixtures.publish(envelope);
        fixtures.publish(envelope);
        fixtures.publish(EventEnvelope.of("media-bridge-service", "hooks", callSid, outcome));

        await().atMost(WAIT).untilAsserted(() -> assertThat(hooks(callSid, "voice.call.completed")).hasSize(2));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .untilAsserted(() -> assertThat(hooks(callSid, "voice.call.completed")).hasSize(2));
        List<WebhookReceiver.Hook> hooks = hooks(callSid, "voice.call.completed");
        assertThat(hooks.get(0).eventId()).isEqualTo(hooks.get(1).eventId());
        for (WebhookReceiver.Hook hook : hooks) {
            assertThat(hook.signature()).isEqualTo(WebhookSigner.sign("s3cret", hook.body()));
        }
        Map<String, Object> body = json(hooks.get(0).body());
        assertThat(body.get("id")).isEqualTo(hooks.get(0).eventId());
        assertThat(body.get("tenant_id")).isEqualTo("hooks");
        assertThat(data(hooks.get(0).body())).containsEntry("call_sid", callSid)
                .containsEntry("direction", "inbound")
                .containsEntry("from_masked", "+1********77")
                .containsEntry("outcome", "resolved")
                .containsEntry("agent_version_id", "support-v3")
                .containsEntry("status", "completed")
                .containsEntry("session_duration_ms", 30_000)
                .containsEntry("interruptions", 1);
        assertThat(hooks.get(0).body()).doesNotContain("+15555550177");
        fixtures.awaitCount("SELECT count(*) AS n FROM webhook_events WHERE call_sid = :c AND status = 'delivered' "
                + "AND attempts = 2", callSid, 1);
    }

    @Test
    void aCallThatNeverConnectedIsReportedWithoutAnOutcomeAndQuietTenantsGetNoRows() {
        String unanswered = CallbackFixtures.newCallSid();
        fixtures.publish("hooks", unanswered, new CallCreated("outbound-api", "+15555550000", "+15555550166",
                "support", "support-v3"));
        fixtures.publish("hooks", unanswered, new CallStatusChanged("no-answer", "ringing", 0));
        await().atMost(WAIT).untilAsserted(() -> assertThat(hooks(unanswered, "voice.call.completed")).isNotEmpty());
        assertThat(data(hooks(unanswered, "voice.call.completed").get(0).body())).containsEntry("status", "no-answer").containsEntry("direction", "outbound-api")
                .containsEntry("to_masked", "+1********66").containsEntry("outcome", null);

        String quiet = CallbackFixtures.newCallSid();
        fixtures.publish("quiet", quiet, new CallStatusChanged("busy", "ringing", 0));
        fixtures.request("quiet", quiet, "normal", Instant.now());
        fixtures.awaitCount("SELECT count(*) AS n FROM callback_tasks WHERE call_sid = :c AND flag = 'call_busy'",
                quiet, 1);
        fixtures.assertCount("SELECT count(*) AS n FROM webhook_events WHERE call_sid = :c", quiet, 0);
    }

    @Test
    void everyChangeOfATaskIsReportedOnceInOrder() {
        String callSid = CallbackFixtures.newCallSid();
        fixtures.request("hooks", callSid, "normal", Instant.now());
        String id = fixtures.awaitTaskId(callSid);
        post(id, "claim", Map.of("owner", "alice"));
        post(id, "reassign", Map.of("owner", "bob", "actor", "lead"));
        post(id, "complete", Map.of("owner", "bob", "disposition", "called back"));
        String other = CallbackFixtures.newCallSid();
        fixtures.request("hooks", other, "normal", Instant.now());
        String cancelled = fixtures.awaitTaskId(other);
        post(cancelled, "cancel", Map.of("reason", "duplicate"));

        List<String> expected = List.of("callback.task.created", "callback.task.claimed", "callback.task.reassigned",
                "callback.task.completed");
        await().atMost(WAIT).untilAsserted(() -> assertThat(delivered(id)).containsExactlyElementsOf(expected));
        await().atMost(WAIT).untilAsserted(() -> assertThat(delivered(cancelled))
                .containsExactly("callback.task.created", "callback.task.cancelled"));
        assertThat(data(WEBHOOK.hooks().stream()
                .filter(h -> h.body().contains(id) && "callback.task.completed".equals(h.eventType()))
                .findFirst().orElseThrow().body())).containsEntry("status", "done").containsEntry("owner", "bob")
                .containsEntry("disposition", "called back").containsEntry("actor", "bob")
                .containsEntry("caller_number_masked", "+1********00");
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .untilAsserted(() -> assertThat(delivered(id)).hasSize(4));
    }

    @Test
    void anEventThatNeverGetsThroughIsADeadLetterThatTheTenantCanReadAndRedeliver() {
        String callSid = CallbackFixtures.newCallSid();
        fixtures.request("deadhooks", callSid, "normal", Instant.now());
        String taskId = fixtures.awaitTaskId(callSid);
        fixtures.awaitCount("SELECT count(*) AS n FROM webhook_events WHERE task_id = :c AND status = 'dead' "
                + "AND attempts = 3", taskId, 1);
        String eventId = WEBHOOK.hooks().stream().filter(h -> h.body().contains(taskId)).findFirst().orElseThrow()
                .eventId();
        assertThat(WEBHOOK.hooks().stream().filter(h -> eventId.equals(h.eventId()))).hasSize(3);

        web.get().uri("/api/v1/callbacks/webhook-events?status=dead&type=callback.task.created&limit=200")
                .header("x-api-key", "deadhooks-key").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.webhook_events[?(@.id == '" + eventId + "')].attempts").isEqualTo(3)
                .jsonPath("$.webhook_events[?(@.id == '" + eventId + "')].last_error").isEqualTo("webhook answered 500")
                .jsonPath("$.webhook_events[?(@.id == '" + eventId + "')].task_id").isEqualTo(taskId);
        web.get().uri("/api/v1/callbacks/webhook-events/{id}", eventId).header("x-api-key", "deadhooks-key")
                .exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("dead")
                .jsonPath("$.body.id").isEqualTo(eventId)
                .jsonPath("$.body.data.task_id").isEqualTo(taskId);
        web.get().uri("/api/v1/callbacks/webhook-events/{id}", eventId).header("x-api-key", "hooks-key")
                .exchange().expectStatus().isNotFound();
        web.get().uri("/api/v1/callbacks/webhook-events?status=lost").header("x-api-key", "deadhooks-key")
                .exchange().expectStatus().isBadRequest();
        web.post().uri("/api/v1/callbacks/webhook-events/{id}/redeliver", eventId).header("x-api-key", "hooks-key")
                .exchange().expectStatus().isNotFound();

        DEAD.set(false);
        web.post().uri("/api/v1/callbacks/webhook-events/{id}/redeliver", eventId)
                .header("x-api-key", "deadhooks-key").exchange().expectStatus().isAccepted();
        fixtures.awaitCount("SELECT count(*) AS n FROM webhook_events WHERE event_id = :c AND status = 'delivered' "
                + "AND attempts = 1", eventId, 1);
        assertThat(WEBHOOK.hooks().stream().filter(h -> eventId.equals(h.eventId()))).hasSize(4);
    }

    @Test
    void aBreachedTaskTextsTheOnCallNumberOnceThroughTheToolExecutor() {
        String callSid = CallbackFixtures.newCallSid();
        fixtures.request("hooks", callSid, "urgent", Instant.now().minus(Duration.ofMinutes(20)));
        String taskId = fixtures.awaitTaskId(callSid);

        // several sweeps run while the probe settles: still one request
        List<ConsumerRecord<String, String>> requests = new TopicProbe(bootstrap).await(Topics.TOOL_REQUESTS,
                r -> r.value().contains(taskId), 1, WAIT, Duration.ofSeconds(2));
        assertThat(requests).hasSize(1);
        EventEnvelope<?> envelope = EventCodec.decode(requests.get(0).value()).orElseThrow();
        assertThat(envelope.source()).isEqualTo("callback-service");
        assertThat(envelope.tenantId()).isEqualTo("hooks");
        assertThat(envelope.callSid()).isEqualTo(callSid);
        ToolRequested request = (ToolRequested) envelope.data();
        assertThat(request.tool()).isEqualTo("sms");
        assertThat(request.toolCallId()).startsWith("oncall_");
        assertThat(request.arguments()).containsEntry("to", ON_CALL);
        assertThat((String) request.arguments().get("body")).contains(taskId, "past due");

        // the executor answers (and resends its stored answer on a redelivery): one history entry
        ToolCompleted sent = new ToolCompleted(request.toolCallId(), "sms", ToolCompleted.OK,
                Map.of("sent", true, "message_sid", "SM1"), null, 12);
        EventEnvelope<ToolCompleted> result = EventEnvelope.of("tool-executor-service", "hooks", callSid, sent);
        fixtures.publish(result);
        fixtures.publish(result);
        fixtures.awaitCount("SELECT count(*) AS n FROM on_call_alerts WHERE task_id = :c AND status = 'sent'",
                taskId, 1);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).untilAsserted(() -> fixtures.assertCount(
                "SELECT count(*) AS n FROM callback_task_history WHERE task_id = :c AND action = 'on_call_sms_sent'",
                taskId, 1));

        // a request published again (a crash before 'requested' was stored) carries the same tool call id,
        // which the executor runs once
        StepVerifier.create(db.sql("UPDATE on_call_alerts SET status = 'pending', next_attempt_at = now() "
                        + "WHERE task_id = :t")
                .bind("t", taskId).then()).verifyComplete();
        List<ConsumerRecord<String, String>> again = new TopicProbe(bootstrap).await(Topics.TOOL_REQUESTS,
                r -> r.value().contains(taskId), 2, WAIT, Duration.ofMillis(500));
        assertThat(again).hasSize(2).allSatisfy(r -> assertThat(
                ((ToolRequested) EventCodec.decode(r.value()).orElseThrow().data()).toolCallId())
                .isEqualTo(request.toolCallId()));
    }

    private void post(String id, String action, Map<String, String> body) {
        web.post().uri("/api/v1/callbacks/{id}/" + action, id).header("x-api-key", "hooks-key").bodyValue(body)
                .exchange().expectStatus().isOk();
    }

    /** Types of the task's events the webhook accepted (on their second attempt), in the order first attempted. */
    private List<String> delivered(String taskId) {
        return WEBHOOK.hooks().stream()
                .filter(h -> h.body().contains(taskId) && h.eventType().startsWith("callback.task."))
                .collect(Collectors.groupingBy(WebhookReceiver.Hook::eventId, LinkedHashMap::new,
                        Collectors.toList()))
                .values().stream().filter(attempts -> attempts.size() >= 2)
                .map(attempts -> attempts.get(attempts.size() - 1).eventType()).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String body) {
        return EventCodec.mapper().readValue(body, Map.class);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> data(String body) {
        return (Map<String, Object>) json(body).get("data");
    }

    private List<WebhookReceiver.Hook> hooks(String callSid, String type) {
        return WEBHOOK.hooks().stream().filter(h -> type.equals(h.eventType()) && h.body().contains(callSid)).toList();
    }
}
