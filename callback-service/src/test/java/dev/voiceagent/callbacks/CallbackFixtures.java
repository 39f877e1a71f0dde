package dev.voiceagent.callbacks;

import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.CallbackRequested;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.EventType;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.VoiceEvent;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.ApiKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.test.StepVerifier;

/** Events in, tasks and rows out: what the callback-service ITs publish and wait for. */
final class CallbackFixtures {

    static final Duration WAIT = Duration.ofSeconds(20);

    private final EventPublisher events;
    private final DatabaseClient db;

    CallbackFixtures(EventPublisher events, DatabaseClient db) {
        this.events = events;
        this.db = db;
    }

    /** A tenant view with an API key and, when given, a webhook URL and an on-call number. */
    static TenantConfigPublished tenant(String id, String key, String webhookUrl, String onCallNumber) {
        var runtime = webhookUrl == null && onCallNumber == null ? null
                : new TenantConfigPublished.RuntimeConfig("m", "v", "p", 1, "i", webhookUrl, "en", null, null,
                        onCallNumber);
        return new TenantConfigPublished(id, id, true, List.of(), "UTC", runtime, List.of(ApiKeys.hash(key)),
                List.of(), 1);
    }

    /** A callback request as the tool executor publishes it, made at {@code at}. */
    void request(String tenant, String callSid, String priority, Instant at) {
        CallbackRequested request = new CallbackRequested("cb_" + UUID.randomUUID(), "call me back", priority,
                "+15555550100", null, "call_x");
        EventEnvelope<CallbackRequested> envelope = new EventEnvelope<>(UUID.randomUUID().toString(),
                EventType.CALLBACK_REQUESTED, "tool-executor-service", at, tenant, callSid,
                EventEnvelope.SCHEMA_VERSION, request);
        StepVerifier.create(events.publish(envelope)).verifyComplete();
    }

    void publish(String tenant, String callSid, VoiceEvent event) {
        StepVerifier.create(events.publish(tenant, callSid, event)).expectNextCount(1).verifyComplete();
    }

    void publish(EventEnvelope<?> envelope) {
        StepVerifier.create(events.publish(envelope)).verifyComplete();
    }

    /** The id of the call's first task, once it exists. */
    String awaitTaskId(String callSid) {
        AtomicReference<String> id = new AtomicReference<>();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                StepVerifier.create(db.sql("SELECT id FROM callback_tasks WHERE call_sid = :c ORDER BY created_at "
                                + "LIMIT 1").bind("c", callSid).map(row -> row.get("id", String.class)).one())
                        .consumeNextWith(id::set).verifyComplete());
        return id.get();
    }

    /** Waits until {@code sql} (a {@code count(*) AS n} with one parameter {@code :c}) answers {@code expected}. */
    void awaitCount(String sql, String value, long expected) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> assertCount(sql, value, expected));
    }

    void assertCount(String sql, String value, long expected) {
        StepVerifier.create(db.sql(sql).bind("c", value).map(row -> row.get("n", Long.class)).one())
                .expectNext(expected).verifyComplete();
    }

    static String newCallSid() {
        return "CA" + UUID.randomUUID().toString().replace("-", "");
    }
}
