package dev.voiceagent.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.callbacks.webhook.WebhookSigner;
import dev.voiceagent.contracts.CallEvents.CallCreated;
import dev.voiceagent.contracts.CallEvents.CallStatusChanged;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Cancel and reassign, SLA filters and expiry, signed SLA webhooks with retries, reconciliation with call logs. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.callbacks.sweep-interval=200ms",
        "voice.callbacks.notifications.delivery-interval=200ms",
        "voice.callbacks.notifications.secrets.hooked=s3cret",
        "voice.callbacks.notifications.initial-backoff=100ms",
        "voice.callbacks.notifications.max-attempts=3",
        "voice.callbacks.reconciliation.unknown-outcome-after=1s"})
@AutoConfigureWebTestClient
@VoiceInfrastructure
class CallbackLifecycleIT {

    static final Duration WAIT = CallbackFixtures.WAIT;
    /** SLA events whose first attempt was answered 500. */
    static final Set<String> FAILED_ONCE = ConcurrentHashMap.newKeySet();
    static WebhookReceiver WEBHOOK;

    @Autowired WebTestClient web;
    @Autowired EventPublisher events;
    @Autowired TenantDirectory directory;
    @Autowired DatabaseClient db;
    CallbackFixtures fixtures;

    @BeforeAll
    static void start() {
        WEBHOOK = new WebhookReceiver(hook ->
                hook.body().contains("callback.sla_breached") && FAILED_ONCE.add(hook.eventId()) ? 500 : 204);
    }

    @AfterAll
    static void stop() {
        WEBHOOK.close();
    }

    @BeforeEach
    void tenants() {
        fixtures = new CallbackFixtures(events, db);
        directory.apply(CallbackFixtures.tenant("demo", "demo-key", null, null));
        directory.apply(CallbackFixtures.tenant("other", "other-key", null, null));
        directory.apply(CallbackFixtures.tenant("hooked", "hooked-key", WEBHOOK.url("/hook"), null));
    }

    @Test
    void reassignAndCancelAreRecordedInHistory() {
        String callSid = CallbackFixtures.newCallSid();
        fixtures.request("demo", callSid, "normal", Instant.now());
        String id = fixtures.awaitTaskId(callSid);
        web.post().uri("/api/v1/callbacks/{id}/reassign", id).header("x-api-key", "demo-key")
                .bodyValue(Map.of()).exchange().expectStatus().isBadRequest();
        web.post().uri("/api/v1/callbacks/{id}/reassign", id).header("x-api-key", "demo-key")
                .bodyValue(Map.of("owner", "alice", "actor", "lead")).exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("claimed").jsonPath("$.owner").isEqualTo("alice");
        web.post().uri("/api/v1/callbacks/{id}/reassign", id).header("x-api-key", "demo-key")
                .bodyValue(Map.of("owner", "bob")).exchange().expectStatus().isOk();
        web.get().uri("/api/v1/callbacks?owner=bob").header("x-api-key", "demo-key").exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.callbacks[?(@.id == '" + id + "')].owner").isEqualTo("bob");
        web.post().uri("/api/v1/callbacks/{id}/cancel", id).header("x-api-key", "other-key")
                .bodyValue(Map.of()).exchange().expectStatus().isNotFound();
        web.post().uri("/api/v1/callbacks/{id}/cancel", id).header("x-api-key", "demo-key")
                .bodyValue(Map.of("actor", "lead", "reason", "caller wrote in instead")).exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("cancelled")
                .jsonPath("$.sla_state").doesNotExist()
                .jsonPath("$.history[1].action").isEqualTo("reassigned")
                .jsonPath("$.history[1].detail").isEqualTo("unassigned -> alice")
                .jsonPath("$.history[2].detail").isEqualTo("alice -> bob")
                .jsonPath("$.history[3].action").isEqualTo("cancelled")
                .jsonPath("$.history[3].detail").isEqualTo("caller wrote in instead");
        web.post().uri("/api/v1/callbacks/{id}/cancel", id).header("x-api-key", "demo-key").exchange()
                .expectStatus().isEqualTo(409);
        web.post().uri("/api/v1/callbacks/{id}/reassign", id).header("x-api-key", "demo-key")
                .bodyValue(Map.of("owner", "carol")).exchange().expectStatus().isEqualTo(409);
        web.get().uri("/api/v1/callbacks?status=cancelled").header("x-api-key", "demo-key").exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.callbacks[?(@.id == '" + id + "')].status").isEqualTo("cancelled");
    }

    @Test
    void tasksAreFilteredBySlaStateAndExpireLongAfterTheirDueTime() {
        String onTrack = CallbackFixtures.newCallSid();
        String atRisk = CallbackFixtures.newCallSid();
        String breached = CallbackFixtures.newCallSid();
        String stale = CallbackFixtures.newCallSid();
        fixtures.request("demo", onTrack, "urgent", Instant.now());
        fixtures.request("demo", atRisk, "normal", Instant.now().minus(Duration.ofMinutes(210)));
        fixtures.request("demo", breached, "urgent", Instant.now().minus(Duration.ofMinutes(20)));
        fixtures.request("demo", stale, "normal", Instant.now().minus(Duration.ofHours(30)));
        String onTrackId = fixtures.awaitTaskId(onTrack);
        String atRiskId = fixtures.awaitTaskId(atRisk);
        String breachedId = fixtures.awaitTaskId(breached);
        String staleId = fixtures.awaitTaskId(stale);

        web.get().uri("/api/v1/callbacks?sla=at_risk&limit=200").header("x-api-key", "demo-key").exchange()
                .expectStatus().isOk().expectBody(String.class).value(body -> assertThat(body)
                        .contains(atRiskId).doesNotContain(onTrackId).doesNotContain(breachedId));
        web.get().uri("/api/v1/callbacks?sla=breached&limit=200").header("x-api-key", "demo-key").exchange()
                .expectStatus().isOk().expectBody(String.class).value(body -> assertThat(body)
                        .contains(breachedId).doesNotContain(atRiskId).doesNotContain(onTrackId));
        web.get().uri("/api/v1/callbacks?sla=on_track&status=open&limit=200").header("x-api-key", "demo-key")
                .exchange().expectStatus().isOk().expectBody(String.class).value(body -> assertThat(body)
                        .contains(onTrackId).doesNotContain(atRiskId));
        web.get().uri("/api/v1/callbacks/{id}", atRiskId).header("x-api-key", "demo-key").exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.sla_state").isEqualTo("at_risk");
        web.get().uri("/api/v1/callbacks?sla=late").header("x-api-key", "demo-key").exchange()
                .expectStatus().isBadRequest();

        await().atMost(WAIT).untilAsserted(() -> web.get().uri("/api/v1/callbacks/{id}", staleId)
                .header("x-api-key", "demo-key").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("expired")
                .jsonPath("$.history[?(@.action == 'expired')].actor").isEqualTo("callback-service"));
        web.get().uri("/api/v1/callbacks/{id}", breachedId).header("x-api-key", "demo-key").exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("open");
        // the sweeper's gauges count every tenant's active tasks; other tests add theirs, hence "at least"
        await().atMost(WAIT).untilAsserted(() -> {
            String metrics = web.mutate().codecs(c -> c.defaultCodecs().maxInMemorySize(8 << 20)).build()
                .get().uri("/metrics").exchange().expectStatus().isOk()
                    .expectBody(String.class).returnResult().getResponseBody();
            for (String state : List.of("on_track", "at_risk", "breached")) {
                assertThat(gauge(metrics, "voice_callbacks_tasks{application=\"callback-service\",state=\""
                        + state + "\",status=\"open\"}")).as(state).isGreaterThanOrEqualTo(1.0);
            }
            assertThat(gauge(metrics, "voice_callbacks_tasks{application=\"callback-service\",state=\"on_track\","
                    + "status=\"claimed\"}")).isGreaterThanOrEqualTo(0.0);
        });
    }

    private static double gauge(String metrics, String series) {
        return metrics.lines().filter(line -> line.startsWith(series + " ")).findFirst()
                .map(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
                .orElseThrow(() -> new AssertionError(series + " not on /metrics"));
    }

    @Test
    void aBreachedTaskNotifiesTheTenantWebhookOnceSignedAndRetried() {
        String callSid = CallbackFixtures.newCallSid();
        fixtures.request("hooked", callSid, "urgent", Instant.now().minus(Duration.ofMinutes(20)));
        String id = fixtures.awaitTaskId(callSid);
        await().atMost(WAIT).untilAsserted(() -> assertThat(breachHooksFor(id)).hasSize(2));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .untilAsserted(() -> assertThat(breachHooksFor(id)).hasSize(2));
        List<WebhookReceiver.Hook> hooks = breachHooksFor(id);
        assertThat(hooks.get(0).eventId()).isEqualTo(hooks.get(1).eventId());
        for (WebhookReceiver.Hook hook : hooks) {
            assertThat(hook.signature()).isEqualTo(WebhookSigner.sign("s3cret", hook.body()));
            assertThat(hook.body()).contains("\"type\":\"callback.sla_breached\"", "\"sla_state\":\"breached\"")
                    .doesNotContain("+15555550100");
        }
        fixtures.awaitCount("SELECT count(*) AS n FROM webhook_events WHERE task_id = :c AND type = 'callback.sla_breached' "
                + "AND status = 'delivered' AND attempts = 2", id, 1);
        web.get().uri("/api/v1/callbacks/{id}", id).header("x-api-key", "hooked-key").exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.history[?(@.action == 'notified')].detail").isEqualTo("sla_breached");
    }

    @Test
    void callLogsFlagUnconnectedCallsAndOpenTasksForMissingOutcomes() {
        String unanswered = CallbackFixtures.newCallSid();
        fixtures.request("demo", unanswered, "normal", Instant.now());
        String flaggedId = fixtures.awaitTaskId(unanswered);
        fixtures.publish("demo", unanswered, new CallStatusChanged("no-answer", "ringing", 0));
        await().atMost(WAIT).untilAsserted(() -> web.get().uri("/api/v1/callbacks/{id}", flaggedId)
                .header("x-api-key", "demo-key").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.flag").isEqualTo("call_no_answer")
                .jsonPath("$.history[?(@.action == 'flagged')].detail").isEqualTo("the call ended no-answer"));

        String silent = CallbackFixtures.newCallSid();
        fixtures.publish("demo", silent, new CallCreated("inbound", "+15555550177", "+15555550000", "support", "v1"));
        fixtures.publish("demo", silent, new CallStatusChanged("completed", "in-progress", 42));
        String answered = CallbackFixtures.newCallSid();
        fixtures.publish("demo", answered, new CallStatusChanged("completed", "in-progress", 42));
        fixtures.publish("demo", answered, new SessionOutcome(Outcome.RESOLVED, "billing", "v1", "+15555550100",
                Instant.now().minusSeconds(30), Instant.now(), 30_000, 700L, 1, 1, 0, List.of(), null, "done"));
        String openedId = fixtures.awaitTaskId(silent);
        web.get().uri("/api/v1/callbacks/{id}", openedId).header("x-api-key", "demo-key").exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.reason").isEqualTo("unknown_outcome")
                .jsonPath("$.source").isEqualTo("reconciliation")
                .jsonPath("$.caller_number").isEqualTo("+15555550177");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                .untilAsserted(() -> fixtures.assertCount("SELECT count(*) AS n FROM callback_tasks WHERE call_sid = :c",
                        answered, 0));
    }

    private List<WebhookReceiver.Hook> breachHooksFor(String taskId) {
        return WEBHOOK.hooks().stream()
                .filter(h -> h.body().contains(taskId) && "callback.sla_breached".equals(h.eventType())).toList();
    }
}
