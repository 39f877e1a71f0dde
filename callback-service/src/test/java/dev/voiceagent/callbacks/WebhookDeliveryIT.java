package dev.voiceagent.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.callbacks.webhook.TenantWebhooks;
import dev.voiceagent.callbacks.webhook.WebhookEvent;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.test.StepVerifier;

/**
 * Delivery of the tenant webhook outbox: tenants in parallel lanes, each tenant's events one at a time and in order,
 * a hanging endpoint holding up neither other tenants nor the SLA sweep, and a lease that outlasts its batch so a
 * second sender never sends an event again.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.callbacks.sweep-interval=200ms",
        "voice.callbacks.notifications.delivery-interval=200ms",
        "voice.callbacks.notifications.default-secret=s3cret",
        "voice.callbacks.notifications.timeout=1s",
        "voice.callbacks.notifications.initial-backoff=30s",
        "voice.callbacks.reconciliation.unknown-outcome-after=1h"})
@VoiceInfrastructure
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebhookDeliveryIT {

    /** Each answer to a /slow/… path takes this long. */
    static final long SLOW_MS = 400;
    /** A /hang path answers long after the sender's 1 s timeout. */
    static final long HANG_MS = 3_000;
    static WebhookReceiver WEBHOOK;

    @Autowired TenantWebhooks webhooks;
    @Autowired EventPublisher events;
    @Autowired TenantDirectory directory;
    @Autowired DatabaseClient db;
    CallbackFixtures fixtures;

    @BeforeAll
    static void start() {
        WEBHOOK = new WebhookReceiver(hook -> 204, hook -> hook.path().startsWith("/slow/") ? SLOW_MS
                : hook.path().startsWith("/steady/") ? 250 : hook.path().equals("/hang") ? HANG_MS : 0);
    }

    @AfterAll
    static void stop() {
        WEBHOOK.close();
    }

    @BeforeEach
    void tenants() {
        fixtures = new CallbackFixtures(events, db);
        for (String lane : List.of("lane1", "lane2", "lane3", "lane4")) {
            directory.apply(CallbackFixtures.tenant(lane, lane + "-key", WEBHOOK.url("/slow/" + lane), null));
        }
        directory.apply(CallbackFixtures.tenant("hanging", "hanging-key", WEBHOOK.url("/hang"), null));
        directory.apply(CallbackFixtures.tenant("prompt", "prompt-key", WEBHOOK.url("/prompt"), null));
        directory.apply(CallbackFixtures.tenant("steady", "steady-key", WEBHOOK.url("/steady/one"), null));
    }

    @Test
    @Order(1)
    void tenantsAreSentToInParallelButEachTenantsEventsOneAtATimeInOrder() {
        List<String> lanes = List.of("lane1", "lane2", "lane3", "lane4");
        Map<String, List<String>> queued = Map.of("lane1", new ArrayList<>(), "lane2", new ArrayList<>(),
                "lane3", new ArrayList<>(), "lane4", new ArrayList<>());
        for (int i = 0; i < 4; i++) {
            for (String lane : lanes) {
                queued.get(lane).add(queue(lane, "ordered/" + lane + "/" + i));
            }
        }
        // one after another, 16 answers of 400 ms would take 6.4 s
        await().atMost(Duration.ofMillis(4_500)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            for (String lane : lanes) {
                assertThat(received("/slow/" + lane, queued.get(lane))).as(lane).hasSize(4);
            }
        });
        for (String lane : lanes) {
            assertThat(received("/slow/" + lane, queued.get(lane))).as(lane).containsExactlyElementsOf(queued.get(lane));
            assertThat(WEBHOOK.mostOpen("/slow/" + lane)).as(lane).isEqualTo(1);
        }
        assertThat(WEBHOOK.mostOpen()).isGreaterThan(1);
    }

    /** Last: the hanging endpoint's events are retried for a while after it. */
    @Test
    @Order(3)
    void aHangingEndpointHoldsUpNeitherOtherTenantsNorSlaNotifications() {
        List<String> hanging = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            hanging.add(queue("hanging", "hanging/" + i));
        }
        await().atMost(CallbackFixtures.WAIT).until(() -> !received("/hang", hanging).isEmpty());

        String prompt = queue("prompt", "prompt/1");
        String callSid = CallbackFixtures.newCallSid();
        fixtures.request("prompt", callSid, "urgent", Instant.now().minus(Duration.ofMinutes(20)));
        String taskId = fixtures.awaitTaskId(callSid);
        // one after another, the hanging tenant's six timeouts would hold everything up for 6 s
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            assertThat(received("/prompt", List.of(prompt))).hasSize(1);
            fixtures.assertCount("SELECT count(*) AS n FROM webhook_events WHERE task_id = :c "
                    + "AND type = 'callback.sla_breached'", taskId, 1);
        });
        StepVerifier.create(db.sql("UPDATE webhook_events SET status = 'dead' WHERE tenant_id = 'hanging' "
                + "AND status = 'pending'").then()).verifyComplete();
    }

    @Test
    @Order(2)
    void aSecondSenderNeverTakesEventsThatAreStillBeingSent() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(queue("steady", "steady/" + i));
        }
        await().atMost(CallbackFixtures.WAIT).until(() -> !received("/steady/one", ids).isEmpty());
        // another instance sweeping the same outbox while this one sends the batch (250 ms an answer)
        await().atMost(CallbackFixtures.WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
            StepVerifier.create(webhooks.deliverDue()).expectNextCount(1).verifyComplete();
            return received("/steady/one", ids).containsAll(ids);
        });
        await().atMost(CallbackFixtures.WAIT).untilAsserted(() -> assertThat(ids).allSatisfy(id -> fixtures.assertCount(
                "SELECT count(*) AS n FROM webhook_events WHERE event_id = :c AND status = 'delivered' AND attempts = 1",
                id, 1)));
        assertThat(received("/steady/one", ids)).containsExactlyElementsOf(ids);
    }

    private String queue(String tenant, String seed) {
        WebhookEvent event = WebhookEvent.of(seed + "/" + UUID.randomUUID(), WebhookEvent.TASK_PREFIX + "created",
                tenant, null, null, Map.of("seed", seed));
        StepVerifier.create(webhooks.queue(event)).expectNext(true).verifyComplete();
        return event.eventId();
    }

    /** Which of {@code ids} {@code path} received, in the order received, each as often as received. */
    private static List<String> received(String path, List<String> ids) {
        return WEBHOOK.hooks().stream().filter(h -> h.path().equals(path) && ids.contains(h.eventId()))
                .map(WebhookReceiver.Hook::eventId).toList();
    }
}
