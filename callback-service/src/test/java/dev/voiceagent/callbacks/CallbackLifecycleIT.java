package dev.voiceagent.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.voiceagent.callbacks.notify.WebhookSigner;
import dev.voiceagent.contracts.CallEvents.CallCreated;
import dev.voiceagent.contracts.CallEvents.CallStatusChanged;
import dev.voiceagent.contracts.CallbackRequested;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.EventType;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.VoiceEvent;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.ApiKeys;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.test.StepVerifier;

/** Cancel and reassign, SLA filters and expiry, signed SLA webhooks with retries, reconciliation with call logs. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.callbacks.sweep-interval=200ms",
        "voice.callbacks.notifications.secrets.hooked=s3cret",
        "voice.callbacks.notifications.initial-backoff=100ms",
        "voice.callbacks.notifications.max-attempts=3",
        "voice.callbacks.reconciliation.unknown-outcome-after=1s"})
@AutoConfigureWebTestClient
@VoiceInfrastructure
class CallbackLifecycleIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    /** Webhook requests the stand-in received: [event id, signature, body]. */
    static final List<List<String>> HOOKS = new CopyOnWriteArrayList<>();
    static final AtomicInteger FAILURES_LEFT = new AtomicInteger(1);
    static final HttpServer WEBHOOK = webhook();

    @Autowired WebTestClient web;
    @Autowired EventPublisher events;
    @Autowired TenantDirectory directory;
    @Autowired DatabaseClient db;

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry registry) {
        registry.add("test.webhook-port", () -> WEBHOOK.getAddress().getPort());
    }

    static HttpServer webhook() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/hook", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                HOOKS.add(List.of(exchange.getRequestHeaders().getFirst(WebhookSigner.EVENT_ID_HEADER),
                        exchange.getRequestHeaders().getFirst(WebhookSigner.SIGNATURE_HEADER), body));
                int status = FAILURES_LEFT.getAndDecrement() > 0 ? 500 : 204;
                exchange.sendResponseHeaders(status, -1);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() {
        WEBHOOK.stop(0);
    }

    @BeforeEach
    void tenants() {
        directory.apply(tenant("demo", "demo-key", null));
        directory.apply(tenant("other", "other-key", null));
        directory.apply(tenant("hooked", "hooked-key", "http://127.0.0.1:" + WEBHOOK.getAddress().getPort() + "/hook"));
    }

    static TenantConfigPublished tenant(String id, String key, String webhookUrl) {
        var runtime = webhookUrl == null ? null
                : new TenantConfigPublished.RuntimeConfig("m", "v", "p", 1, "i", webhookUrl, "en", null);
        return new TenantConfigPublished(id, id, true, List.of(), "UTC", runtime, List.of(ApiKeys.hash(key)),
                List.of(), 1);
    }

    @Test
    void reassignAndCancelAreRecordedInHistory() {
        String callSid = newCallSid();
        request("demo", callSid, "normal", Instant.now());
        String id = awaitTaskId(callSid);
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
        String onTrack = newCallSid();
        String atRisk = newCallSid();
        String breached = newCallSid();
        String stale = newCallSid();
        request("demo", onTrack, "urgent", Instant.now());
        request("demo", atRisk, "normal", Instant.now().minus(Duration.ofMinutes(210)));
        request("demo", breached, "urgent", Instant.now().minus(Duration.ofMinutes(20)));
        request("demo", stale, "normal", Instant.now().minus(Duration.ofHours(30)));
        String onTrackId = awaitTaskId(onTrack);
        String atRiskId = awaitTaskId(atRisk);
        String breachedId = awaitTaskId(breached);
        String staleId = awaitTaskId(stale);

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
        String callSid = newCallSid();
        request("hooked", callSid, "urgent", Instant.now().minus(Duration.ofMinutes(20)));
        String id = awaitTaskId(callSid);
        await().atMost(WAIT).untilAsserted(() -> assertThat(hooksFor(id)).hasSize(2));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .untilAsserted(() -> assertThat(hooksFor(id)).hasSize(2));
        List<List<String>> hooks = hooksFor(id);
        assertThat(hooks.get(0).get(0)).isEqualTo(hooks.get(1).get(0));
        for (List<String> hook : hooks) {
            assertThat(hook.get(1)).isEqualTo(WebhookSigner.sign("s3cret", hook.get(2)));
            assertThat(hook.get(2)).contains("\"type\":\"callback.sla_breached\"", "\"sla_state\":\"breached\"");
        }
        awaitCount("SELECT count(*) AS n FROM notifications WHERE task_id = :c AND status = 'delivered' "
                + "AND attempts = 2", id, 1);
        web.get().uri("/api/v1/callbacks/{id}", id).header("x-api-key", "hooked-key").exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.history[?(@.action == 'notified')].detail").isEqualTo("sla_breached");
    }

    @Test
    void callLogsFlagUnconnectedCallsAndOpenTasksForMissingOutcomes() {
        String unanswered = newCallSid();
        request("demo", unanswered, "normal", Instant.now());
        String flaggedId = awaitTaskId(unanswered);
        publish("demo", unanswered, new CallStatusChanged("no-answer", "ringing", 0));
        await().atMost(WAIT).untilAsserted(() -> web.get().uri("/api/v1/callbacks/{id}", flaggedId)
                .header("x-api-key", "demo-key").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.flag").isEqualTo("call_no_answer")
                .jsonPath("$.history[?(@.action == 'flagged')].detail").isEqualTo("the call ended no-answer"));

        String silent = newCallSid();
        publish("demo", silent, new CallCreated("inbound", "+15555550177", "+15555550000", "support", "v1"));
        publish("demo", silent, new CallStatusChanged("completed", "in-progress", 42));
        String answered = newCallSid();
        publish("demo", answered, new CallStatusChanged("completed", "in-progress", 42));
        publish("demo", answered, new SessionOutcome(Outcome.RESOLVED, "billing", "v1", "+15555550100",
                Instant.now().minusSeconds(30), Instant.now(), 30_000, 700L, 1, 1, 0, List.of(), null, "done"));
        String openedId = awaitTaskId(silent);
        web.get().uri("/api/v1/callbacks/{id}", openedId).header("x-api-key", "demo-key").exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.reason").isEqualTo("unknown_outcome")
                .jsonPath("$.source").isEqualTo("reconciliation")
                .jsonPath("$.caller_number").isEqualTo("+15555550177");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                .untilAsserted(() -> awaitCount("SELECT count(*) AS n FROM callback_tasks WHERE call_sid = :c",
                        answered, 0));
    }

    private List<List<String>> hooksFor(String taskId) {
        return HOOKS.stream().filter(h -> h.get(2).contains(taskId)).toList();
    }

    private void request(String tenant, String callSid, String priority, Instant at) {
        CallbackRequested request = new CallbackRequested("cb_" + UUID.randomUUID(), "call me back", priority,
                "+15555550100", null, "call_x");
        EventEnvelope<CallbackRequested> envelope = new EventEnvelope<>(UUID.randomUUID().toString(),
                EventType.CALLBACK_REQUESTED, "tool-executor-service", at, tenant, callSid,
                EventEnvelope.SCHEMA_VERSION, request);
        StepVerifier.create(events.publish(envelope)).verifyComplete();
    }

    private void publish(String tenant, String callSid, VoiceEvent event) {
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

    private void awaitCount(String sql, String value, long expected) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                StepVerifier.create(db.sql(sql).bind("c", value).map(row -> row.get("n", Long.class)).one())
                        .expectNext(expected).verifyComplete());
    }

    private static String newCallSid() {
        return "CA" + UUID.randomUUID().toString().replace("-", "");
    }
}
