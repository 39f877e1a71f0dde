package dev.voiceagent.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.twilio.http.TwilioRestClient;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.EventType;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.FreePorts;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import dev.voiceagent.testkit.kafka.TopicProbe;
import dev.voiceagent.testkit.twilio.TwilioRestFault;
import dev.voiceagent.testkit.twilio.TwilioSimulator;
import dev.voiceagent.tools.execution.Tool;
import dev.voiceagent.tools.execution.ToolCall;
import dev.voiceagent.tools.execution.ToolCallProcessor;
import dev.voiceagent.tools.execution.ToolCallRepository;
import dev.voiceagent.tools.execution.ToolExecutorProperties;
import dev.voiceagent.tools.execution.ToolExecutorPropertiesTest;
import dev.voiceagent.tools.execution.ToolResult;
import dev.voiceagent.tools.execution.ToolResultPublisher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Copies of one tool call (the bridge asking a hand-over again, a redelivery, another executor instance) run its
 * tool once, and requests older than the bridge waits are answered without running; against Postgres, Kafka and
 * the Twilio simulator. A transfer is held up by a slow Twilio so that the copies overlap.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"voice.tools.timeout=10s", "voice.tools.twilio-timeout=13s", "voice.twilio.timeout=4s",
                "voice.tools.bridge-tool-timeout=20s"})
@VoiceInfrastructure
class RepeatedAndLateRequestsIT {

    static final String SID = "ACit0000000000000000000000000002";
    static final String TOKEN = "it-twilio-token";
    static final String TENANT = "repeats";
    static final String VERSION = "repeats-v1";
    static final String TENANT_NUMBER = "+15555550010";
    static final String HUMAN = "+15555550998";
    static final String ON_CALL_TENANT = "repeats-on-call";
    static final String ON_CALL = "+15555550143";
    static final String BRIDGE = "media-bridge-service";
    static final String REPLY_TOPIC = Topics.toolReplies("it-repeats");
    static final Duration WAIT = Duration.ofSeconds(20);
    static final Duration SLOW_TRANSFER = Duration.ofMillis(800);
    static final int PORT = FreePorts.pick();
    static final TwilioSimulator SIM = TwilioSimulator.start(TwilioSimulator.Options.defaults().withAccount(SID, TOKEN));

    @BeforeAll
    static void replyTopic() {
        TestCalls.createReplyTopic(REPLY_TOPIC);
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestCalls.twilioProperties(registry, PORT, SIM, SID, TOKEN);
    }

    @AfterAll
    static void stopSimulator() {
        SIM.close();
    }

    @Autowired ToolCallProcessor processor;
    @Autowired ToolCallRepository results;
    @Autowired List<Tool> tools;
    @Autowired ToolResultPublisher publisher;
    @Autowired ToolExecutorProperties toolProperties;
    @Autowired MeterRegistry meters;
    @Autowired TenantDirectory directory;
    @Autowired EventPublisher events;
    @Autowired DatabaseClient db;
    @Autowired TwilioRestClient twilio;
    @Value("${spring.kafka.bootstrap-servers}") String bootstrap;

    @BeforeEach
    void tenants() {
        directory.apply(TestTenants.tenant(TENANT, TENANT_NUMBER, "UTC",
                TestTenants.agent("default", VERSION, TestTenants.ALL_TOOLS, HUMAN)));
        directory.apply(TestTenants.withOnCallNumber(ON_CALL_TENANT, "+15555550011", ON_CALL));
    }

    @AfterEach
    void twilioAnswersNormally() {
        SIM.useRestFault(TwilioRestFault.none());
    }

    // ---- one execution per tool call

    @Test
    void aHandOverAskedAgainWhileItRunsTransfersOnceAndBothCopiesHearTheTransfer() {
        String callSid = liveCall();
        SIM.useRestFault(TwilioRestFault.slow(SLOW_TRANSFER).forRequests(1));
        ToolCall call = new ToolCall(TENANT, callSid, new ToolRequested("handover-" + callSid + "-1", "escalation",
                Map.of("reason", "caller_asked", "summary", "wants a person"), VERSION, "complaint",
                uniqueNumber(), REPLY_TOPIC));

        // as the listener gets two copies fetched in one poll: each is handed over without waiting for the other
        StepVerifier.create(Flux.just(call, call)
                        .flatMap(copy -> processor.process(copy).subscribeOn(Schedulers.parallel()))
                        .then())
                .verifyComplete();

        assertOneTransferAnsweredTwice(callSid, call.request().toolCallId());
    }

    @Test
    void aCopyOnAnotherInstanceWaitsForTheFirstResultInsteadOfRunningTheTool() {
        ToolCallProcessor otherInstance = new ToolCallProcessor(tools, directory, results, publisher, toolProperties,
                meters);
        String callSid = liveCall();
        SIM.useRestFault(TwilioRestFault.slow(SLOW_TRANSFER).forRequests(1));
        ToolCall call = new ToolCall(TENANT, callSid, new ToolRequested("call_" + UUID.randomUUID(), "escalation",
                Map.of("summary", "disputes a fee"), VERSION, "billing", true, uniqueNumber(), REPLY_TOPIC, "1001"));

        StepVerifier.create(Flux.just(processor, otherInstance)
                        .flatMap(instance -> instance.process(call).subscribeOn(Schedulers.parallel()))
                        .then())
                .verifyComplete();

        assertOneTransferAnsweredTwice(callSid, call.request().toolCallId());
    }

    @Test
    void aClaimWhoseExecutionStoppedIsTakenOverByTheNextCopy() {
        ToolCall call = new ToolCall(TENANT, callSid(), new ToolRequested("call_" + UUID.randomUUID(), "noop",
                Map.of(), VERSION, "support", uniqueNumber(), REPLY_TOPIC));
        StepVerifier.create(db.sql("INSERT INTO tool_calls (tenant_id, tool_call_id, tool, status, output, latency_ms, "
                                + "event_id, claimed_until) VALUES (:tenant, :id, 'noop', 'running', '{}', 0, :event, "
                                + "now() - interval '1 second')")
                        .bind("tenant", TENANT).bind("id", call.request().toolCallId())
                        .bind("event", UUID.randomUUID().toString()).fetch().rowsUpdated())
                .expectNext(1L).verifyComplete();

        StepVerifier.create(processor.process(call)).verifyComplete();

        assertThat(stored(TENANT, call.request().toolCallId()).output()).isEqualTo(Map.of("ok", true));
    }

    @Test
    void anEscalationLeftPendingByAStoppedRunIsAnsweredUnconfirmedWithNeitherACallbackNorASecondTransfer() {
        String callSid = liveCall();
        String toolCallId = "handover-" + callSid + "-1";
        // the earlier run was sending the call update when its instance died: Twilio may have transferred the call
        leftByAStoppedRun(toolCallId, callSid, "pending");
        ToolCall call = new ToolCall(TENANT, callSid, new ToolRequested(toolCallId, "escalation",
                Map.of("reason", "caller_asked"), VERSION, "complaint", uniqueNumber(), REPLY_TOPIC));

        StepVerifier.create(processor.process(call)).verifyComplete();

        ToolResult result = stored(TENANT, toolCallId);
        assertThat(result.status()).isEqualTo(ToolCompleted.FAILED);
        assertThat(result.output()).containsEntry("outcome", "unconfirmed").doesNotContainKey("callback_id");
        assertThat(SIM.call(callSid).orElseThrow().twimlReceived()).noneMatch(twiml -> twiml.contains("<Dial"));
        assertThat(new TopicProbe(bootstrap).await(Topics.CALLBACKS, r -> r.value().contains(toolCallId), 1,
                Duration.ofSeconds(3), Duration.ZERO)).isEmpty();
    }

    @Test
    void anEscalationLeftClaimedByARunThatStoppedBeforeTheUpdateTransfersTheCallOnce() {
        String callSid = liveCall();
        String toolCallId = "handover-" + callSid + "-1";
        // the earlier run claimed the escalation and died before it sent anything: the call is untouched
        leftByAStoppedRun(toolCallId, callSid, "claimed");
        ToolCall call = new ToolCall(TENANT, callSid, new ToolRequested(toolCallId, "escalation",
                Map.of("reason", "caller_asked"), VERSION, "complaint", uniqueNumber(), REPLY_TOPIC));

        StepVerifier.create(processor.process(call)).verifyComplete();

        assertThat(stored(TENANT, toolCallId).output()).containsEntry("outcome", "transferred");
        assertThat(SIM.call(callSid).orElseThrow().twimlReceived()).filteredOn(twiml -> twiml.contains("<Dial"))
                .hasSize(1);
        assertThat(SIM.call(callSid).orElseThrow().transferredTo()).isEqualTo(HUMAN);
    }

    /** The escalation row an earlier execution of the tool call claimed and left at {@code outcome} when it died. */
    private void leftByAStoppedRun(String toolCallId, String callSid, String outcome) {
        StepVerifier.create(db.sql("INSERT INTO escalations (tenant_id, tool_call_id, escalation_id, call_sid, target, "
                                + "outcome) VALUES (:tenant, :id, :esc, :callSid, :target, :outcome)")
                        .bind("tenant", TENANT).bind("id", toolCallId).bind("esc", "esc_" + UUID.randomUUID())
                        .bind("callSid", callSid).bind("target", HUMAN).bind("outcome", outcome)
                        .fetch().rowsUpdated())
                .expectNext(1L).verifyComplete();
    }

    @Test
    void aTextLeftClaimedByAStoppedRunIsAnsweredUnconfirmedAndNotSentAgain() {
        String toolCallId = "call_" + UUID.randomUUID();
        String to = uniqueNumber();
        // the earlier run claimed the text and stopped before Twilio answered it (its instance died)
        StepVerifier.create(db.sql("INSERT INTO sms_messages (tenant_id, tool_call_id, sms_id, to_number, from_number, "
                                + "body_chars, status) VALUES (:tenant, :id, :sms, :to, :from, 12, 'claimed')")
                        .bind("tenant", TENANT).bind("id", toolCallId).bind("sms", "sms_" + UUID.randomUUID())
                        .bind("to", to).bind("from", TENANT_NUMBER).fetch().rowsUpdated())
                .expectNext(1L).verifyComplete();
        String body = "unconfirmed " + toolCallId;
        ToolCall call = new ToolCall(TENANT, callSid(), new ToolRequested(toolCallId, "sms", Map.of("body", body),
                VERSION, "support", to, REPLY_TOPIC));

        StepVerifier.create(processor.process(call)).expectComplete().verify(WAIT);

        ToolResult result = stored(TENANT, toolCallId);
        assertThat(result.status()).isEqualTo(ToolCompleted.FAILED);
        assertThat(result.reason()).contains("couldn't confirm").contains("won't send it twice");
        assertThat(SIM.messages().stream().filter(m -> m.body().equals(body))).isEmpty();
    }

    // ---- a transfer Twilio may have made

    @Test
    void aTransferThatTimesOutAfterTwilioMadeItIsUnconfirmedAndOpensNoCallbackTask() {
        String callSid = liveCall();
        // Twilio transfers the call at once and answers after voice.twilio.timeout (4 s): the executor sees a timeout
        SIM.useRestFault(TwilioRestFault.slow(Duration.ofSeconds(6)).forRequests(1));
        String toolCallId = "call_" + UUID.randomUUID();
        ToolCall call = new ToolCall(TENANT, callSid, new ToolRequested(toolCallId, "escalation",
                Map.of("summary", "wants a person"), VERSION, "complaint", true, uniqueNumber(), REPLY_TOPIC, "1001"));

        StepVerifier.create(processor.process(call)).expectComplete().verify(WAIT);

        assertThat(SIM.call(callSid).orElseThrow().twimlReceived()).filteredOn(twiml -> twiml.contains("<Dial"))
                .hasSize(1);
        ToolResult result = stored(TENANT, toolCallId);
        assertThat(result.status()).isEqualTo(ToolCompleted.FAILED);
        assertThat(result.output()).containsEntry("outcome", "unconfirmed").doesNotContainKey("callback_id");
        assertThat(result.reason()).contains("couldn't confirm");
        assertThat(new TopicProbe(bootstrap).await(Topics.CALLBACKS, r -> r.value().contains(toolCallId), 1,
                Duration.ofSeconds(3), Duration.ZERO)).isEmpty();
        StepVerifier.create(db.sql("SELECT outcome FROM escalations WHERE tenant_id = :tenant AND tool_call_id = :id")
                        .bind("tenant", TENANT).bind("id", toolCallId).map(row -> row.get("outcome", String.class)).one())
                .expectNext("unconfirmed").verifyComplete();
    }

    // ---- requests older than the bridge waits

    @Test
    void aRequestOlderThanTheBridgeWaitsIsAnsweredTimeoutWithoutSendingTheText() {
        String toolCallId = "call_" + UUID.randomUUID();
        String body = "too late " + toolCallId;
        var request = new ToolRequested(toolCallId, "sms", Map.of("body", body), VERSION, "support",
                uniqueNumber(), REPLY_TOPIC);
        StepVerifier.create(events.publish(requestedAgo(Duration.ofSeconds(30), BRIDGE, TENANT, callSid(), request)))
                .verifyComplete();

        ToolCompleted completed = completed(awaitOne(REPLY_TOPIC, toolCallId));
        assertThat(completed.status()).isEqualTo(ToolCompleted.TIMEOUT);
        assertThat(completed.reason()).contains("too late");
        assertThat(SIM.messages().stream().filter(m -> m.body().equals(body))).isEmpty();
        Counter expired = meters.find("voice.tools.expired").tag("tool", "sms").counter();
        assertThat(expired).isNotNull();
        assertThat(expired.count()).isPositive();
    }

    @Test
    void underTheShippedSettingsARequestThreeSecondsOldIsTooLateForATextButNotForACallback() {
        // a text may take 5 s at Twilio: begun at 3 s it could answer after the bridge's 8 s; a callback (2 s) cannot
        ToolCallProcessor shipped = shippedProcessor();
        String textId = "call_" + UUID.randomUUID();
        String body = "three seconds late " + textId;
        String callbackId = "call_" + UUID.randomUUID();
        Instant threeSecondsAgo = Instant.now().minusSeconds(3);
        ToolCall text = new ToolCall(TENANT, callSid(), new ToolRequested(textId, "sms", Map.of("body", body),
                VERSION, "support", uniqueNumber(), REPLY_TOPIC), BRIDGE, threeSecondsAgo);
        ToolCall callback = new ToolCall(TENANT, callSid(), new ToolRequested(callbackId, "callback",
                Map.of("reason", "wants a call back"), VERSION, "support", uniqueNumber(), REPLY_TOPIC), BRIDGE,
                threeSecondsAgo);

        StepVerifier.create(shipped.process(text).then(shipped.process(callback))).expectComplete().verify(WAIT);

        assertThat(stored(TENANT, textId).status()).isEqualTo(ToolCompleted.TIMEOUT);
        assertThat(SIM.messages().stream().filter(m -> m.body().equals(body))).isEmpty();
        assertThat(stored(TENANT, callbackId).status()).isEqualTo(ToolCompleted.OK);
    }

    @Test
    void underTheShippedSettingsARequestSevenSecondsOldIsAnsweredTooLateAndTheTextIsNotSent() {
        // the bridge gives up after 8 s; begun at 7 s, the text (up to 5 s) could go out after the caller heard
        // that it did not
        ToolCallProcessor shipped = shippedProcessor();
        String toolCallId = "call_" + UUID.randomUUID();
        String body = "seven seconds late " + toolCallId;
        ToolCall call = new ToolCall(TENANT, callSid(), new ToolRequested(toolCallId, "sms", Map.of("body", body),
                VERSION, "support", uniqueNumber(), REPLY_TOPIC), BRIDGE, Instant.now().minusSeconds(7));

        StepVerifier.create(shipped.process(call)).expectComplete().verify(WAIT);

        ToolResult result = stored(TENANT, toolCallId);
        assertThat(result.status()).isEqualTo(ToolCompleted.TIMEOUT);
        assertThat(result.reason()).contains("too late");
        assertThat(completed(awaitOne(REPLY_TOPIC, toolCallId)).status()).isEqualTo(ToolCompleted.TIMEOUT);
        assertThat(SIM.messages().stream().filter(m -> m.body().equals(body))).isEmpty();
    }

    @Test
    void lateHandOversAndSlaAlertsStillRun() {
        String callSid = liveCall();
        String handover = "handover-" + callSid + "-1";
        var transfer = new ToolRequested(handover, "escalation", Map.of("reason", "caller_asked"), VERSION,
                "complaint", uniqueNumber(), REPLY_TOPIC);
        String alert = "oncall_" + UUID.randomUUID().toString().replace("-", "");
        var text = new ToolRequested(alert, "sms", Map.of("to", ON_CALL, "body", "past due " + alert), null, null, null, null);
        StepVerifier.create(events.publish(requestedAgo(Duration.ofSeconds(30), BRIDGE, TENANT, callSid, transfer))
                        .then(events.publish(requestedAgo(Duration.ofSeconds(30), "callback-service",
                                ON_CALL_TENANT, callSid(), text))))
                .verifyComplete();

        assertThat(completed(awaitOne(REPLY_TOPIC, handover)).output()).containsEntry("outcome", "transferred");
        assertThat(SIM.call(callSid).orElseThrow().transferredTo()).isEqualTo(HUMAN);
        assertThat(completed(awaitOne(Topics.TOOL_RESULTS, alert)).status()).isEqualTo(ToolCompleted.OK);
        assertThat(SIM.messages().stream().filter(m -> m.body().equals("past due " + alert))).hasSize(1);
    }

    // ---- helpers

    /** A request whose envelope says it was made {@code age} ago, as it looks after that long in Kafka. */
    private static EventEnvelope<ToolRequested> requestedAgo(Duration age, String source, String tenant,
                                                             String callSid, ToolRequested request) {
        return new EventEnvelope<>(UUID.randomUUID().toString(), EventType.TOOL_REQUESTED, source,
                Instant.now().minus(age), tenant, callSid, EventEnvelope.SCHEMA_VERSION, request);
    }

    private String liveCall() {
        return TestCalls.liveCall(twilio, "+15555550124", TENANT_NUMBER);
    }

    /** The call was transferred once, the stored result says so, and both copies were answered with it. */
    private void assertOneTransferAnsweredTwice(String callSid, String toolCallId) {
        assertThat(SIM.call(callSid).orElseThrow().twimlReceived()).filteredOn(twiml -> twiml.contains("<Dial"))
                .hasSize(1);
        assertThat(stored(TENANT, toolCallId).output()).containsEntry("outcome", "transferred");
        List<ConsumerRecord<String, String>> replies = new TopicProbe(bootstrap).await(REPLY_TOPIC,
                r -> r.value().contains(toolCallId), 2, WAIT, Duration.ofSeconds(1));
        assertThat(replies).hasSize(2);
        assertThat(replies.stream().map(r -> envelope(r).id()).distinct()).hasSize(1);
        assertThat(replies).allSatisfy(r -> assertThat(completed(r).output()).containsEntry("outcome", "transferred"));
    }

    /** A processor with the settings the service ships with, not this class's longer test timeouts. */
    private ToolCallProcessor shippedProcessor() {
        return new ToolCallProcessor(tools, directory, results, publisher, ToolExecutorPropertiesTest.shipped(),
                meters);
    }

    private ToolResult stored(String tenant, String toolCallId) {
        AtomicReference<ToolResult> result = new AtomicReference<>();
        StepVerifier.create(results.find(tenant, toolCallId))
                .consumeNextWith(stored -> result.set(stored.result())).verifyComplete();
        return result.get();
    }

    private ConsumerRecord<String, String> awaitOne(String topic, String toolCallId) {
        List<ConsumerRecord<String, String>> records = new TopicProbe(bootstrap).await(topic,
                r -> r.value().contains(toolCallId), 1, WAIT, Duration.ZERO);
        assertThat(records).as("result of %s on %s", toolCallId, topic).isNotEmpty();
        return records.get(0);
    }

    private static EventEnvelope<?> envelope(ConsumerRecord<String, String> record) {
        return EventCodec.decode(record.value()).orElseThrow();
    }

    private static ToolCompleted completed(ConsumerRecord<String, String> record) {
        return (ToolCompleted) envelope(record).data();
    }

    private static String callSid() {
        return TestCalls.callSid();
    }

    private static String uniqueNumber() {
        return TestCalls.uniqueNumber();
    }
}
