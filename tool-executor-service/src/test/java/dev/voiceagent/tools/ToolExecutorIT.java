package dev.voiceagent.tools;

import dev.voiceagent.testkit.kafka.TopicProbe;
import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.CallbackRequested;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.TranscriptTurn;
import dev.voiceagent.contracts.VoiceEvent;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.test.StepVerifier;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "voice.admin-key=it-admin-key")
@AutoConfigureWebTestClient
@VoiceInfrastructure
class ToolExecutorIT {

    static final String TENANT = "demo";
    static final String VERSION = "support-v1";
    static final String CALLER = "+15555550100";
    static final String REPLY_TOPIC = Topics.toolReplies("it-bridge-1");
    static final Duration WAIT = Duration.ofSeconds(20);

    @BeforeAll
    static void replyTopic() {
        TestCalls.createReplyTopic(REPLY_TOPIC);
    }

    @Autowired WebTestClient web;
    @Autowired EventPublisher events;
    @Autowired KafkaTemplate<String, String> kafka;
    @Autowired TenantDirectory directory;
    @Autowired DatabaseClient db;
    @Value("${spring.kafka.bootstrap-servers}") String bootstrap;

    TopicProbe probe;

    @BeforeEach
    void tenantAndAccounts() {
        probe = new TopicProbe(bootstrap);
        directory.apply(new TenantConfigPublished(TENANT, "Demo", true, List.of("+15555550000"), "UTC", null,
                List.of(), List.of(new AgentView("default", VERSION, List.of("lookup", "callback", "noop", "sms"), null)),
                1));
        web.put().uri("/api/v1/admin/tenants/{t}/accounts", TENANT).header("x-admin-key", "it-admin-key")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("""
                        {"accounts":[
                          {"account_number":"1001","caller_number":"+15555550100","name":"Ada Lovelace",
                           "balance":42.50,"currency":"USD","status":"active",
                           "orders":[{"order_number":"A-77","status":"shipped"}]},
                          {"account_number":"2002","caller_number":"+15555550199","name":"Alan Turing",
                           "balance":0,"currency":"usd","status":"closed"}]}""")
                .exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.accounts").isEqualTo(2).jsonPath("$.tenant_id").isEqualTo(TENANT);
    }

    @Test
    void lookupOfTheCallersOwnAccountAnswersOnTheReplyTopicAndTheResultsTopic() {
        String id = request("lookup", Map.of("account_number", "1001"), null, CALLER);

        ConsumerRecord<String, String> reply = awaitOne(REPLY_TOPIC, id);
        ToolCompleted completed = completed(reply);
        assertThat(completed.status()).isEqualTo(ToolCompleted.OK);
        assertThat(completed.output()).containsEntry("found", true).containsEntry("account_number", "1001")
                .containsEntry("name", "Ada Lovelace").containsEntry("balance", "42.50")
                .containsEntry("currency", "USD").containsEntry("status", "active");
        ConsumerRecord<String, String> result = awaitOne(Topics.TOOL_RESULTS, id);
        assertThat(envelope(result).id()).isEqualTo(envelope(reply).id());
        assertThat(result.key()).isEqualTo(envelope(reply).callSid());
    }

    @Test
    void lookupByOrderNumberIncludesTheOrder() {
        ToolCompleted completed = completed(awaitOne(REPLY_TOPIC,
                request("lookup", Map.of("order_number", "A-77"), null, CALLER)));
        assertThat(completed.output()).containsEntry("account_number", "1001");
        assertThat(completed.output().get("order")).isEqualTo(Map.of("order_number", "A-77", "status", "shipped"));
    }

    @Test
    void lookupThatFindsNothingSaysSoOnlyForTheCallersOwnNumber() {
        ToolCompleted ownNumber = completed(awaitOne(REPLY_TOPIC,
                request("lookup", Map.of("caller_number", "+15555550123"), null, "+15555550123")));
        ToolCompleted otherAccount = completed(awaitOne(REPLY_TOPIC,
                request("lookup", Map.of("account_number", "9999"), "1001", CALLER)));

        assertThat(ownNumber.status()).isEqualTo(ToolCompleted.OK);
        assertThat(ownNumber.output()).isEqualTo(Map.of("found", false));
        assertThat(otherAccount.status()).isEqualTo(ToolCompleted.DENIED);
        assertThat(otherAccount.output()).doesNotContainKey("found");
    }

    @Test
    void lookupOfSomeoneElsesAccountIsDeniedToAnUnauthenticatedCaller() {
        ToolCompleted completed = completed(awaitOne(REPLY_TOPIC,
                request("lookup", Map.of("account_number", "2002"), null, CALLER)));
        assertThat(completed.status()).isEqualTo(ToolCompleted.DENIED);
        assertThat(completed.reason()).contains("verified");
        assertThat(completed.output()).doesNotContainKey("name");
    }

    @Test
    void toolOutsideAllowedToolsIsDeniedWithASpeakableReason() {
        ToolCompleted completed = completed(awaitOne(REPLY_TOPIC,
                request("escalation", Map.of("reason", "angry"), "1001", CALLER)));
        assertThat(completed.status()).isEqualTo(ToolCompleted.DENIED);
        assertThat(completed.reason()).contains("not allowed to use escalation");
    }

    @Test
    void toolLatencyIsTimedPerToolAndStatusOnMetrics() {
        awaitOne(REPLY_TOPIC, request("escalation", Map.of("reason", "angry"), "1001", CALLER));
        awaitOne(REPLY_TOPIC, request("noop", Map.of(), null, CALLER));

        String metrics = web.mutate().codecs(c -> c.defaultCodecs().maxInMemorySize(8 << 20)).build()
                .get().uri("/metrics").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(metrics)
                .contains("voice_tools_latency_seconds_count{application=\"tool-executor-service\",status=\"denied\",tool=\"escalation\"}")
                .contains("voice_tools_latency_seconds_bucket{application=\"tool-executor-service\",status=\"ok\",tool=\"noop\",le=");
    }

    @Test
    void smsToANumberThatIsNotE164FailsWithAReason() {
        ToolCompleted completed = completed(awaitOne(REPLY_TOPIC,
                request("sms", Map.of("body", "hi", "to", "555-0100"), "1001", CALLER)));
        assertThat(completed.status()).isEqualTo(ToolCompleted.FAILED);
        assertThat(completed.reason()).contains("full phone number");
    }

    @Test
    void noopAcknowledges() {
        ToolCompleted completed = completed(awaitOne(REPLY_TOPIC, request("noop", Map.of(), null, CALLER)));
        assertThat(completed.output()).isEqualTo(Map.of("ok", true));
    }

    @Test
    void callbackPublishesOneRequestEvenWhenTheToolRequestIsRedelivered() {
        String callSid = "CA" + UUID.randomUUID().toString().replace("-", "");
        String toolCallId = "call_" + UUID.randomUUID();
        var request = new ToolRequested(toolCallId, "callback",
                Map.of("reason", "wants a refund", "priority", "high"), VERSION, "billing", CALLER, REPLY_TOPIC);
        EventEnvelope<ToolRequested> envelope = EventEnvelope.of("media-bridge-service", TENANT, callSid, request);
        StepVerifier.create(events.publish(envelope).then(events.publish(envelope))
                        .then(events.publish(EventEnvelope.of("media-bridge-service", TENANT, callSid, request))))
                .verifyComplete();

        List<ConsumerRecord<String, String>> replies = probe.await(REPLY_TOPIC, r -> r.value().contains(toolCallId),
                3, WAIT, Duration.ofSeconds(1));
        assertThat(replies).hasSize(3);
        assertThat(replies.stream().map(r -> envelope(r).id()).distinct()).hasSize(1);
        ToolCompleted completed = completed(replies.get(0));
        assertThat(completed.status()).isEqualTo(ToolCompleted.OK);
        assertThat(completed.output()).containsEntry("status", "queued").containsKey("callback_id");

        List<ConsumerRecord<String, String>> callbacks = probe.await(Topics.CALLBACKS,
                r -> r.value().contains(toolCallId), 1, WAIT, Duration.ofSeconds(2));
        assertThat(callbacks).hasSize(1);
        EventEnvelope<VoiceEvent> callback = envelope(callbacks.get(0));
        CallbackRequested requested = (CallbackRequested) callback.data();
        assertThat(requested.callbackId()).isEqualTo(completed.output().get("callback_id"));
        assertThat(requested.priority()).isEqualTo("high");
        assertThat(requested.callerNumber()).isEqualTo(CALLER);
        assertThat(callback.tenantId()).isEqualTo(TENANT);
        assertThat(callback.callSid()).isEqualTo(callSid);

        StepVerifier.create(db.sql("SELECT count(*) AS n FROM tool_calls WHERE tool_call_id = :id")
                        .bind("id", toolCallId).map(row -> row.get("n", Long.class)).one())
                .expectNext(1L).verifyComplete();
    }

    @Test
    void garbageGoesToTheDeadLetterTopicAndLaterRequestsStillWork() {
        String garbage = "not an event " + UUID.randomUUID();
        StepVerifier.create(reactor.core.publisher.Mono.fromFuture(() -> kafka.send(Topics.TOOL_REQUESTS, "k", garbage)))
                .expectNextCount(1).verifyComplete();
        assertThat(probe.await(Topics.deadLetter(Topics.TOOL_REQUESTS), r -> garbage.equals(r.value()), 1, WAIT,
                Duration.ZERO)).hasSize(1);
        assertThat(completed(awaitOne(REPLY_TOPIC, request("noop", Map.of(), null, CALLER))).status())
                .isEqualTo(ToolCompleted.OK);
    }

    @Test
    void unknownEventTypesAreSkipped() {
        String callSid = "CA" + UUID.randomUUID().toString().replace("-", "");
        StepVerifier.create(events.send(Topics.TOOL_REQUESTS, EventEnvelope.of("it", TENANT, callSid,
                new TranscriptTurn("caller", "hello", "item1", 0, 0)))).verifyComplete();
        String unknownType = EventCodec.encode(EventEnvelope.of("it", TENANT, callSid,
                new TranscriptTurn("caller", "hello", "item2", 1, 0))).replace("voice.transcript.turn", "voice.future.thing");
        StepVerifier.create(reactor.core.publisher.Mono.fromFuture(() -> kafka.send(Topics.TOOL_REQUESTS, callSid,
                unknownType))).expectNextCount(1).verifyComplete();
        assertThat(completed(awaitOne(REPLY_TOPIC, request("noop", Map.of(), null, CALLER))).status())
                .isEqualTo(ToolCompleted.OK);
        assertThat(probe.await(Topics.deadLetter(Topics.TOOL_REQUESTS), r -> r.value().contains(callSid), 1,
                Duration.ofSeconds(2), Duration.ZERO)).isEmpty();
    }

    @Test
    void accountUploadIsValidatedAndGuarded() {
        web.put().uri("/api/v1/admin/tenants/{t}/accounts", TENANT).contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"accounts\":[]}").exchange().expectStatus().isUnauthorized();
        web.put().uri("/api/v1/admin/tenants/{t}/accounts", TENANT).header("x-admin-key", "wrong")
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"accounts\":[]}")
                .exchange().expectStatus().isForbidden();
        web.put().uri("/api/v1/admin/tenants/{t}/accounts", TENANT).header("x-admin-key", "it-admin-key")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"accounts\":[{\"account_number\":\"1\",\"caller_number\":\"555\",\"name\":\"x\","
                        + "\"balance\":1,\"currency\":\"USD\"}]}")
                .exchange().expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("accounts[0].caller_number");
        web.put().uri("/api/v1/admin/tenants/{t}/accounts", TENANT).header("x-admin-key", "it-admin-key")
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{not json")
                .exchange().expectStatus().isBadRequest();
    }

    @Test
    void anAccountUploadOfTheDocumentedTenThousandAccountsIsStoredAndALargerBodyIsA413Problem() {
        StringBuilder body = new StringBuilder("{\"accounts\":[");
        for (int i = 0; i < 10_000; i++) {
            body.append(i == 0 ? "" : ",").append("{\"account_number\":\"ACC-").append(100_000 + i)
                    .append("\",\"caller_number\":\"+1555").append(1_000_000 + i)
                    .append("\",\"name\":\"Customer Number ").append(i).append(" of the Bulk Upload\",")
                    .append("\"balance\":1234.56,\"currency\":\"USD\",\"status\":\"active\",")
                    .append("\"orders\":[{\"order_number\":\"ORD-").append(100_000 + i)
                    .append("\",\"status\":\"shipped\",\"carrier\":\"UPS\"}]}");
        }
        String atMaximum = body.append("]}").toString();
        assertThat(atMaximum.length()).isGreaterThan(8 * 256 * 1024);
        // 20,000 rows are written one by one before the answer
        WebTestClient admin = web.mutate().responseTimeout(Duration.ofMinutes(2)).build();

        admin.put().uri("/api/v1/admin/tenants/{t}/accounts", "bulk").header("x-admin-key", "it-admin-key")
                .contentType(MediaType.APPLICATION_JSON).bodyValue(atMaximum)
                .exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.accounts").isEqualTo(10_000);
        admin.put().uri("/api/v1/admin/tenants/{t}/accounts", "bulk").header("x-admin-key", "it-admin-key")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"accounts\":[{\"account_number\":\"1\",\"name\":\"" + "x".repeat(17 << 20) + "\"}]}")
                .exchange().expectStatus().isEqualTo(413)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(413).jsonPath("$.title").isEqualTo("Content too large");
    }

    private String request(String tool, Map<String, Object> args, String verifiedAccount, String caller) {
        String callSid = "CA" + UUID.randomUUID().toString().replace("-", "");
        String toolCallId = "call_" + UUID.randomUUID();
        var request = new ToolRequested(toolCallId, tool, args, VERSION, "account_balance",
                verifiedAccount != null, caller, REPLY_TOPIC, verifiedAccount);
        StepVerifier.create(events.publish(TENANT, callSid, request)).expectNextCount(1).verifyComplete();
        return toolCallId;
    }

    private ConsumerRecord<String, String> awaitOne(String topic, String toolCallId) {
        List<ConsumerRecord<String, String>> records = probe.await(topic, r -> r.value().contains(toolCallId), 1, WAIT,
                Duration.ZERO);
        assertThat(records).as("result of %s on %s", toolCallId, topic).isNotEmpty();
        return records.get(0);
    }

    private static EventEnvelope<VoiceEvent> envelope(ConsumerRecord<String, String> record) {
        return EventCodec.decode(record.value()).orElseThrow();
    }

    private static ToolCompleted completed(ConsumerRecord<String, String> record) {
        return (ToolCompleted) envelope(record).data();
    }
}
