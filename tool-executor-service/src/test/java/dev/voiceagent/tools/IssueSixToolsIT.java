package dev.voiceagent.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.testkit.infra.FreePorts;
import com.twilio.http.TwilioRestClient;
import dev.voiceagent.contracts.CallbackRequested;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import dev.voiceagent.testkit.kafka.TopicProbe;
import dev.voiceagent.testkit.twilio.SimulatedMessage;
import dev.voiceagent.testkit.twilio.TwilioSignatures;
import dev.voiceagent.testkit.twilio.TwilioSimulator;
import dev.voiceagent.tools.execution.ToolCall;
import dev.voiceagent.tools.execution.ToolCallProcessor;
import dev.voiceagent.tools.execution.ToolCallRepository;
import dev.voiceagent.tools.execution.ToolResult;
import dev.voiceagent.tools.execution.ToolExecutorProperties;
import dev.voiceagent.tools.lookup.CallerNumbers;
import dev.voiceagent.tools.sms.SmsProperties;
import dev.voiceagent.tools.sms.SmsRepository;
import dev.voiceagent.tools.sms.SmsTool;
import dev.voiceagent.tools.twilio.TwilioClient;
import dev.voiceagent.tools.twilio.TwilioConfiguration;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.test.StepVerifier;

/** sms, scheduling, escalation, evaluation, the lookup connector and refusals against Postgres, Kafka and the Twilio simulator. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"voice.admin-key=it-admin-key", "voice.tools.timeout=10s", "voice.tools.twilio-timeout=13s", "voice.twilio.timeout=4s",
                "voice.tools.bridge-tool-timeout=20s"})
@AutoConfigureWebTestClient
@VoiceInfrastructure
class IssueSixToolsIT {

    static final String SID = "ACit0000000000000000000000000001";
    static final String TOKEN = "it-twilio-token";
    static final String TENANT = "six";
    static final String CLOSED_TENANT = "six-closed";
    static final String VERSION = "six-v1";
    static final String TENANT_NUMBER = "+15555550000";
    static final String HUMAN = "+15555550999";
    static final String ON_CALL_TENANT = "six-on-call";
    static final String ON_CALL_TENANT_NUMBER = "+15555550002";
    static final String ON_CALL = "+15555550142";
    static final String REPLY_TOPIC = Topics.toolReplies("it-six");
    static final Duration WAIT = Duration.ofSeconds(20);
    static final int PORT = FreePorts.pick();
    static final TwilioSimulator SIM = TwilioSimulator.start(TwilioSimulator.Options.defaults().withAccount(SID, TOKEN));

    @BeforeAll
    static void replyTopic() {
        TestCalls.createReplyTopic(REPLY_TOPIC);
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestCalls.twilioProperties(registry, PORT, SIM, SID, TOKEN);
        DayOfWeek notToday = LocalDate.now(ZoneOffset.UTC).getDayOfWeek().plus(3);
        registry.add("voice.tools.escalation.business-hours." + CLOSED_TENANT,
                () -> notToday.name().substring(0, 3) + " 00:00-23:59");
    }

    @AfterAll
    static void stopSimulator() {
        SIM.close();
    }

    @Autowired ToolCallProcessor processor;
    @Autowired ToolCallRepository results;
    @Autowired SmsTool smsTool;
    @Autowired TenantDirectory directory;
    @Autowired EventPublisher events;
    @Autowired DatabaseClient db;
    @Autowired WebTestClient web;
    @Autowired TwilioRestClient twilio;
    @Autowired SmsRepository smsRepository;
    @Autowired SmsProperties smsProperties;
    @Autowired ToolExecutorProperties toolProperties;
    @Autowired CallerNumbers callerNumbers;
    @Value("${spring.kafka.bootstrap-servers}") String bootstrap;

    @BeforeEach
    void tenants() {
        directory.apply(TestTenants.tenant(TENANT, TENANT_NUMBER, "America/New_York",
                TestTenants.agent("default", VERSION, TestTenants.ALL_TOOLS, HUMAN)));
        directory.apply(TestTenants.tenant(CLOSED_TENANT, "+15555550001", "UTC",
                TestTenants.agent("default", VERSION, TestTenants.ALL_TOOLS, HUMAN)));
        directory.apply(TestTenants.withOnCallNumber(ON_CALL_TENANT, ON_CALL_TENANT_NUMBER, ON_CALL));
    }

    // ---- sms

    @Test
    void smsGoesOutThroughTwilioFromTheTenantsNumberAndDeliveryCallbacksUpdateIt() {
        String caller = uniqueNumber();
        ToolResult result = run(TENANT, "sms", Map.of("body", "Your reference is 42"), null, caller);

        assertThat(result.status()).isEqualTo(ToolCompleted.OK);
        String sid = (String) result.output().get("message_sid");
        SimulatedMessage message = SIM.messages().stream().filter(m -> m.sid().equals(sid)).findFirst().orElseThrow();
        assertThat(message.from()).isEqualTo(TENANT_NUMBER);
        assertThat(message.to()).isEqualTo(caller);
        assertThat(message.statusCallback()).startsWith("http://localhost:" + PORT + "/api/v1/sms-status?ref=sms_");
        StepVerifier.create(Flux.interval(Duration.ofMillis(100))
                        .concatMap(tick -> smsStatus(sid))
                        .filter("delivered"::equals).next().timeout(WAIT))
                .expectNext("delivered").verifyComplete();
        assertThat(SIM.messages().stream().filter(m -> m.sid().equals(sid)).findFirst().orElseThrow().webhooks())
                .allSatisfy(hook -> assertThat(hook.responseStatus()).isEqualTo(204));
    }

    @Test
    void aRedeliveredSmsRequestNeverSendsASecondMessage() {
        String caller = uniqueNumber();
        String callSid = callSid();
        String toolCallId = "call_" + UUID.randomUUID();
        var request = new ToolRequested(toolCallId, "sms", Map.of("body", "once only " + toolCallId), VERSION,
                "support", caller, REPLY_TOPIC);
        EventEnvelope<ToolRequested> envelope = EventEnvelope.of("media-bridge-service", TENANT, callSid, request);
        StepVerifier.create(events.publish(envelope).then(events.publish(envelope))
                .then(events.publish(EventEnvelope.of("media-bridge-service", TENANT, callSid, request))))
                .verifyComplete();

        List<ConsumerRecord<String, String>> replies = new TopicProbe(bootstrap).await(REPLY_TOPIC,
                r -> r.value().contains(toolCallId), 3, WAIT, Duration.ofSeconds(1));
        assertThat(replies).hasSize(3);
        assertThat(replies.stream().map(r -> EventCodec.decode(r.value()).orElseThrow().id()).distinct()).hasSize(1);
        assertThat(SIM.messages().stream().filter(m -> m.body().equals("once only " + toolCallId))).hasSize(1);
    }

    @Test
    void anSlaAlertFromTheCallbackServiceTextsTheOnCallNumberOnceEvenWhenRedelivered() {
        String callSid = callSid();
        String toolCallId = "oncall_" + UUID.randomUUID().toString().replace("-", "");
        var alert = new ToolRequested(toolCallId, "sms", Map.of("to", ON_CALL, "body", "past due " + toolCallId),
                null, null, null, null);
        EventEnvelope<ToolRequested> envelope = EventEnvelope.of("callback-service", ON_CALL_TENANT, callSid, alert);
        String strayId = "oncall_" + UUID.randomUUID().toString().replace("-", "");
        var stray = new ToolRequested(strayId, "sms", Map.of("to", uniqueNumber(), "body", "stray " + strayId),
                null, null, null, null);
        StepVerifier.create(events.publish(envelope).then(events.publish(envelope))
                .then(events.publish(EventEnvelope.of("callback-service", ON_CALL_TENANT, callSid, alert)))
                .then(events.publish(EventEnvelope.of("callback-service", ON_CALL_TENANT, callSid, stray))))
                .verifyComplete();

        List<ConsumerRecord<String, String>> results = new TopicProbe(bootstrap).await(Topics.TOOL_RESULTS,
                r -> r.value().contains(toolCallId), 3, WAIT, Duration.ofSeconds(1));
        assertThat(results).hasSize(3);
        assertThat(results.stream().map(r -> EventCodec.decode(r.value()).orElseThrow().id()).distinct()).hasSize(1);
        assertThat(((ToolCompleted) EventCodec.decode(results.get(0).value()).orElseThrow().data()).status())
                .isEqualTo(ToolCompleted.OK);
        List<SimulatedMessage> sent = SIM.messages().stream().filter(m -> m.body().equals("past due " + toolCallId))
                .toList();
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).to()).isEqualTo(ON_CALL);
        assertThat(sent.get(0).from()).isEqualTo(ON_CALL_TENANT_NUMBER);

        List<ConsumerRecord<String, String>> denied = new TopicProbe(bootstrap).await(Topics.TOOL_RESULTS,
                r -> r.value().contains(strayId), 1, WAIT, Duration.ZERO);
        assertThat(((ToolCompleted) EventCodec.decode(denied.get(0).value()).orElseThrow().data()).status())
                .isEqualTo(ToolCompleted.DENIED);
        assertThat(SIM.messages().stream().filter(m -> m.body().equals("stray " + strayId))).isEmpty();
    }

    @Test
    void concurrentDeliveriesThatRacePastTheResultStoreStillSendOneMessage() {
        String caller = uniqueNumber();
        ToolCall call = call(TENANT, "sms", Map.of("body", "raced " + caller), null, caller);
        StepVerifier.create(Flux.range(0, 4)
                        .flatMap(i -> smsTool.execute(call).subscribeOn(Schedulers.parallel()))
                        .collectList())
                .assertNext(all -> assertThat(all).allSatisfy(r -> assertThat(r.status()).isEqualTo(ToolCompleted.OK)))
                .verifyComplete();
        assertThat(SIM.messages().stream().filter(m -> m.body().equals("raced " + caller))).hasSize(1);
    }

    @Test
    void smsRefusesInvalidNumbersOtherPeoplesNumbersOptedOutNumbersAndTooManyTexts() {
        String caller = uniqueNumber();
        assertThat(run(TENANT, "sms", Map.of("body", "x", "to", "555-0100"), "1001", caller).status())
                .isEqualTo(ToolCompleted.FAILED);
        assertThat(run(TENANT, "sms", Map.of("body", "x", "to", uniqueNumber()), null, caller).reason())
                .contains("only text the number you're calling from");

        web.put().uri("/api/v1/admin/tenants/{t}/opt-outs/{n}", TENANT, caller).header("x-admin-key", "it-admin-key")
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.opted_out").isEqualTo(true);
        ToolResult optedOut = run(TENANT, "sms", Map.of("body", "hello"), null, caller);
        assertThat(optedOut.status()).isEqualTo(ToolCompleted.DENIED);
        assertThat(optedOut.reason()).contains("asked not to receive texts");
        web.delete().uri("/api/v1/admin/tenants/{t}/opt-outs/{n}", TENANT, caller).header("x-admin-key", "it-admin-key")
                .exchange().expectStatus().isNoContent();

        for (int i = 0; i < 3; i++) {
            assertThat(run(TENANT, "sms", Map.of("body", "text " + i), null, caller).status())
                    .isEqualTo(ToolCompleted.OK);
        }
        ToolResult fourth = run(TENANT, "sms", Map.of("body", "one too many"), null, caller);
        assertThat(fourth.status()).isEqualTo(ToolCompleted.DENIED);
        assertThat(fourth.reason()).contains("several texts");

        String other = uniqueNumber();
        assertThat(run(TENANT, "sms", Map.of("body", "STOP"), null, other).output()).containsEntry("opted_out", true);
        assertThat(run(TENANT, "sms", Map.of("body", "hello again"), null, other).status())
                .isEqualTo(ToolCompleted.DENIED);
        assertThat(SIM.messages().stream().filter(m -> m.to().equals(other))).isEmpty();
    }

    @Test
    void statusCallbacksWithoutAValidSignatureAreRefused() {
        web.post().uri("/api/v1/sms-status?ref=sms_x").header("X-Twilio-Signature", "bogus")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("MessageSid", "SM1").with("MessageStatus", "delivered"))
                .exchange().expectStatus().isForbidden();
    }

    @Test
    void whenTwilioIsUnreachableSmsFailsWithAClearReasonAndTheBreakerOpens() {
        CircuitBreakerRegistry isolated = CircuitBreakerRegistry.ofDefaults();
        TwilioClient down = new TwilioClient(TwilioConfiguration.restClient(SID, TOKEN,
                "http://localhost:" + FreePorts.pick(), Duration.ofSeconds(1)),
                isolated.circuitBreaker("down-messages", TwilioConfiguration.breakerConfig()),
                isolated.circuitBreaker("down-calls", TwilioConfiguration.breakerConfig()), Duration.ofSeconds(1));
        SmsTool tool = new SmsTool(smsRepository, down, directory, smsProperties, toolProperties, callerNumbers);
        String caller = uniqueNumber();

        ToolResult first = execute(tool, call(TENANT, "sms", Map.of("body", "down"), null, caller));
        assertThat(first.status()).isEqualTo(ToolCompleted.FAILED);
        assertThat(first.reason()).contains("couldn't be sent");
        execute(tool, call(TENANT, "sms", Map.of("body", "down again"), null, caller));
        assertThat(isolated.circuitBreaker("down-messages").getState().name()).isEqualTo("OPEN");
        ToolResult fastFail = execute(tool, call(TENANT, "sms", Map.of("body", "still down"), null, caller));
        assertThat(fastFail.reason()).contains("can't be sent right now");
        StepVerifier.create(db.sql("SELECT count(*) AS n FROM sms_messages WHERE to_number = :to AND status = 'rejected'")
                        .bind("to", caller).map(row -> row.get("n", Long.class)).one())
                .expectNext(3L).verifyComplete();
    }

    // ---- escalation

    @Test
    void escalationTransfersTheLiveCallToTheContractsHumanWithContext() {
        String callSid = liveCall();
        ToolCall call = new ToolCall(TENANT, callSid, new ToolRequested("call_" + UUID.randomUUID(), "escalation",
                Map.of("summary", "Disputes a late fee"), VERSION, "billing", true, uniqueNumber(), REPLY_TOPIC, "1001"));
        ToolResult result = process(call);

        assertThat(result.output()).containsEntry("outcome", "transferred");
        var simulated = SIM.call(callSid).orElseThrow();
        assertThat(simulated.transferredTo()).isEqualTo(HUMAN);
        String twiml = simulated.twimlReceived().get(simulated.twimlReceived().size() - 1);
        assertThat(twiml).contains("<Dial").contains("/whisper").contains("/dial-result");
        int updates = simulated.twimlReceived().size();

        String escalationId = (String) result.output().get("escalation_id");
        String whisperPath = "/api/v1/escalations/" + escalationId + "/whisper";
        Map<String, String> form = Map.of("CallSid", "CAhuman", "AccountSid", SID);
        web.post().uri(whisperPath)
                .header("X-Twilio-Signature", TwilioSignatures.sign(TOKEN, "http://localhost:" + PORT + whisperPath, form))
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("CallSid", "CAhuman").with("AccountSid", SID))
                .exchange().expectStatus().isOk()
                .expectBody(String.class).value(body -> assertThat(body).contains("billing").contains("late fee"));

        ToolResult again = process(call);
        assertThat(again.output()).containsEntry("outcome", "transferred");
        assertThat(SIM.call(callSid).orElseThrow().twimlReceived()).hasSize(updates);
    }

    @Test
    void whenTheCallUpdateFailsEscalationCreatesACallbackInstead() {
        String toolCallId = "call_" + UUID.randomUUID();
        ToolCall call = new ToolCall(TENANT, "CA" + "0".repeat(32), new ToolRequested(toolCallId, "escalation",
                Map.of("reason", "angry"), VERSION, "complaint", true, uniqueNumber(), REPLY_TOPIC, "1001"));
        ToolResult result = process(call);

        assertThat(result.output()).containsEntry("outcome", "callback_created").containsEntry("why", "transfer_failed");
        List<ConsumerRecord<String, String>> callbacks = new TopicProbe(bootstrap).await(Topics.CALLBACKS,
                r -> r.value().contains(toolCallId), 1, WAIT, Duration.ZERO);
        assertThat(callbacks).hasSize(1);
        CallbackRequested requested = (CallbackRequested) EventCodec.decode(callbacks.get(0).value()).orElseThrow().data();
        assertThat(requested.callbackId()).isEqualTo(result.output().get("callback_id"));
        assertThat(requested.priority()).isEqualTo("high");
    }

    @Test
    void outOfHoursEscalationCreatesACallbackWithoutTouchingTheCall() {
        String callSid = liveCall();
        int before = SIM.call(callSid).orElseThrow().twimlReceived().size();
        ToolResult result = run(CLOSED_TENANT, callSid, "escalation", Map.of("reason", "wants a human"), "1001",
                uniqueNumber());
        assertThat(result.output()).containsEntry("outcome", "callback_created").containsEntry("why", "out_of_hours");
        assertThat(SIM.call(callSid).orElseThrow().twimlReceived()).hasSize(before);
    }

    @Test
    void anUnansweredTransferBecomesACallback() {
        String callSid = liveCall();
        ToolResult result = run(TENANT, callSid, "escalation", Map.of("summary", "needs a human"), "1001", uniqueNumber());
        String path = "/api/v1/escalations/" + result.output().get("escalation_id") + "/dial-result";
        Map<String, String> form = Map.of("DialCallStatus", "no-answer", "CallSid", callSid);
        web.post().uri(path)
                .header("X-Twilio-Signature", TwilioSignatures.sign(TOKEN, "http://localhost:" + PORT + path, form))
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("DialCallStatus", "no-answer").with("CallSid", callSid))
                .exchange().expectStatus().isOk()
                .expectBody(String.class).value(body -> assertThat(body).contains("call you back"));
        StepVerifier.create(db.sql("SELECT outcome FROM escalations WHERE escalation_id = :id")
                        .bind("id", result.output().get("escalation_id")).map(row -> row.get("outcome", String.class)).one())
                .expectNext("callback_created").verifyComplete();
    }

    // ---- evaluation, refusals

    @Test
    void evaluationRequestIsAToolResultOnTheResultsTopic() {
        ToolCall call = call(TENANT, "evaluation", Map.of(), null, uniqueNumber());
        assertThat(process(call).output()).isEqualTo(Map.of("requested", true));
        List<ConsumerRecord<String, String>> records = new TopicProbe(bootstrap).await(Topics.TOOL_RESULTS,
                r -> r.value().contains(call.request().toolCallId()), 1, WAIT, Duration.ZERO);
        ToolCompleted completed = (ToolCompleted) EventCodec.decode(records.get(0).value()).orElseThrow().data();
        assertThat(completed.tool()).isEqualTo("evaluation");
        assertThat(completed.output()).containsEntry("requested", true);
    }

    @Test
    void aKeyPressIsNeverRunHereEvenForAnAgentAllowedToPressKeys() {
        ToolResult result = run(TENANT, "send_dtmf", Map.of("digits", "1"), null, uniqueNumber());
        assertThat(result.status()).isEqualTo(ToolCompleted.DENIED);
        assertThat(result.reason()).isEqualTo("Pressing keys happens in the call itself, not through a request.");
    }

    @Test
    void paymentRequestsAreRefusedButMayBeHandedToAHuman() {
        String caller = uniqueNumber();
        ToolResult byIntent = process(new ToolCall(TENANT, callSid(), new ToolRequested("call_" + UUID.randomUUID(),
                "lookup", Map.of(), VERSION, "make_payment", true, caller, REPLY_TOPIC, "1001")));
        assertThat(byIntent.status()).isEqualTo(ToolCompleted.DENIED);
        assertThat(byIntent.output()).containsEntry("refusal", "payment");
        ToolResult cardNumber = run(TENANT, "sms", Map.of("body", "card 4111 1111 1111 1111"), null, caller);
        assertThat(cardNumber.status()).isEqualTo(ToolCompleted.DENIED);
        assertThat(cardNumber.reason()).contains("payments or card details");
        assertThat(SIM.messages().stream().filter(m -> m.to().equals(caller))).isEmpty();
        assertThat(run(TENANT, "callback", Map.of("reason", "wants a payment plan"), null, caller).status())
                .isEqualTo(ToolCompleted.OK);
    }

    // ---- scheduling

    @Test
    void schedulingListsBooksReschedulesAndCancelsInTheTenantsTimeZone() {
        String resource = "dentist-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> slots = addSlots(resource, 3);
        String caller = uniqueNumber();

        ToolResult free = run(TENANT, "scheduling", Map.of("action", "available", "resource", resource), null, caller);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> listed = (List<Map<String, Object>>) free.output().get("slots");
        assertThat(listed).extracting(s -> s.get("slot_id")).containsExactlyElementsOf(slots);
        assertThat(free.output()).containsEntry("time_zone", "America/New_York");
        assertThat((String) listed.get(0).get("starts_at")).matches(".*T.*-0[45]:00");

        ToolResult booked = run(TENANT, "scheduling", Map.of("action", "book", "slot_id", slots.get(0)), null, caller);
        assertThat(booked.output()).containsEntry("booked", true).containsEntry("slot_id", slots.get(0));
        String bookingId = (String) booked.output().get("booking_id");

        ToolResult stranger = run(TENANT, "scheduling", Map.of("action", "cancel", "booking_id", bookingId), null,
                uniqueNumber());
        assertThat(stranger.status()).isEqualTo(ToolCompleted.DENIED);

        ToolResult moved = run(TENANT, "scheduling", Map.of("action", "reschedule", "booking_id", bookingId,
                "starts_at", listed.get(1).get("starts_at"), "resource", resource), null, caller);
        assertThat(moved.output()).containsEntry("booked", true).containsEntry("slot_id", slots.get(1));

        ToolResult cancelled = run(TENANT, "scheduling", Map.of("action", "cancel", "booking_id", bookingId), null,
                caller);
        assertThat(cancelled.output()).containsEntry("status", "cancelled");
        ToolResult again = run(TENANT, "scheduling", Map.of("action", "available", "resource", resource), null, caller);
        assertThat((List<?>) again.output().get("slots")).hasSize(3);
    }

    @Test
    void twentyConcurrentBookingsOfOneSlotBookItExactlyOnce() {
        String resource = "room-" + UUID.randomUUID().toString().substring(0, 8);
        String slot = addSlots(resource, 1).get(0);
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(call(TENANT, "scheduling", Map.of("action", "book", "slot_id", slot), null, uniqueNumber()));
        }
        StepVerifier.create(Flux.fromIterable(calls)
                        .flatMap(call -> processor.process(call).subscribeOn(Schedulers.parallel()), 20)
                        .then())
                .verifyComplete();
        List<ToolResult> all = calls.stream().map(this::stored).toList();
        assertThat(all).filteredOn(r -> ToolCompleted.OK.equals(r.status())).hasSize(1);
        assertThat(all).filteredOn(r -> ToolCompleted.FAILED.equals(r.status()))
                .hasSize(19)
                .allSatisfy(r -> assertThat(r.reason()).contains("just been taken"));
        StepVerifier.create(db.sql("SELECT count(*) AS n FROM bookings WHERE slot_id = :slot AND status = 'booked'")
                        .bind("slot", slot).map(row -> row.get("n", Long.class)).one())
                .expectNext(1L).verifyComplete();
    }

    @Test
    void anUploadOfTheDocumentedFiveThousandSlotsIsAddedAndALargerBodyIsA413Problem() {
        Instant start = Instant.now().plus(400, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);
        String resource = "bulk-" + UUID.randomUUID();
        StringBuilder body = new StringBuilder("{\"slots\":[");
        for (int i = 0; i < 5_000; i++) {
            Instant from = start.plus(i, ChronoUnit.HOURS);
            body.append(i == 0 ? "" : ",").append("{\"resource\":\"").append(resource).append("\",\"starts_at\":\"")
                    .append(from.atOffset(ZoneOffset.ofHours(-5))).append("\",\"ends_at\":\"")
                    .append(from.plus(30, ChronoUnit.MINUTES).atOffset(ZoneOffset.ofHours(-5))).append("\"}");
        }
        String atMaximum = body.append("]}").toString();
        assertThat(atMaximum.length()).isGreaterThan(256 * 1024);
        // the answer lists every slot: more than the test client's own default buffer; 5,000 rows are written first
        WebTestClient admin = web.mutate().codecs(c -> c.defaultCodecs().maxInMemorySize(8 << 20))
                .responseTimeout(Duration.ofMinutes(1)).build();

        admin.put().uri("/api/v1/admin/tenants/{t}/slots", TENANT).header("x-admin-key", "it-admin-key")
                .contentType(MediaType.APPLICATION_JSON).bodyValue(atMaximum)
                .exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.added").isEqualTo(5_000);
        admin.put().uri("/api/v1/admin/tenants/{t}/slots", TENANT).header("x-admin-key", "it-admin-key")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"slots\":[{\"resource\":\"" + "x".repeat(5 << 20) + "\"}]}")
                .exchange().expectStatus().isEqualTo(413)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(413).jsonPath("$.title").isEqualTo("Content too large");
    }

    // ---- lookup connector

    @Test
    void lookupAsksTheTenantsBackendAndFallsBackToTheStoreWhenItFails() {
        web.put().uri("/api/v1/admin/tenants/{t}/accounts", TENANT).header("x-admin-key", "it-admin-key")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"accounts\":[{\"account_number\":\"7001\",\"caller_number\":\"+15555557001\","
                        + "\"name\":\"Stored Name\",\"balance\":1.50,\"currency\":\"USD\"}]}")
                .exchange().expectStatus().isOk();
        AtomicReference<String> seenAuth = new AtomicReference<>();
        DisposableServer backend = HttpServer.create().port(0)
                .route(routes -> routes.get("/accounts", (req, res) -> {
                    seenAuth.set(req.requestHeaders().get("Authorization"));
                    return res.header("content-type", "application/json").sendString(Mono.just(
                            "{\"account_number\":\"7001\",\"caller_number\":\"+15555557001\",\"name\":\"Backend Name\","
                                    + "\"balance\":\"9.99\",\"currency\":\"usd\",\"status\":\"active\"}"));
                }))
                .bindNow();
        try {
            web.put().uri("/api/v1/admin/tenants/{t}/connectors/lookup", TENANT).header("x-admin-key", "it-admin-key")
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("url", "http://localhost:" + backend.port() + "/accounts",
                            "auth_header", "Bearer tenant-secret"))
                    .exchange().expectStatus().isOk()
                    .expectBody().jsonPath("$.has_auth_header").isEqualTo(true).jsonPath("$.auth_header").doesNotExist();
            ToolResult fromBackend = run(TENANT, "lookup", Map.of("account_number", "7001"), "7001", uniqueNumber());
            assertThat(fromBackend.output()).containsEntry("name", "Backend Name").containsEntry("balance", "9.99")
                    .containsEntry("currency", "USD");
            assertThat(seenAuth.get()).isEqualTo("Bearer tenant-secret");
        } finally {
            backend.disposeNow();
        }
        ToolResult fallback = run(TENANT, "lookup", Map.of("account_number", "7001"), "7001", uniqueNumber());
        assertThat(fallback.output()).containsEntry("name", "Stored Name");
        web.delete().uri("/api/v1/admin/tenants/{t}/connectors/lookup", TENANT).header("x-admin-key", "it-admin-key")
                .exchange().expectStatus().isNoContent();
    }

    // ---- helpers

    private List<String> addSlots(String resource, int count) {
        Instant start = Instant.now().plus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);
        StringBuilder body = new StringBuilder("{\"slots\":[");
        for (int i = 0; i < count; i++) {
            Instant from = start.plus(i, ChronoUnit.HOURS);
            body.append(i == 0 ? "" : ",").append("{\"resource\":\"").append(resource).append("\",\"starts_at\":\"")
                    .append(from).append("\",\"ends_at\":\"").append(from.plus(30, ChronoUnit.MINUTES)).append("\"}");
        }
        List<String> ids = new ArrayList<>();
        web.put().uri("/api/v1/admin/tenants/{t}/slots", TENANT).header("x-admin-key", "it-admin-key")
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body.append("]}").toString())
                .exchange().expectStatus().isOk()
                .expectBody(Map.class).value(answer -> ((List<?>) answer.get("slots"))
                        .forEach(slot -> ids.add((String) ((Map<?, ?>) slot).get("slot_id"))));
        return ids;
    }

    /**
     * A live call whose own TwiML the simulator has already run: it answers and records that TwiML on its own time,
     * so a count of the TwiML updates taken before then would count it as one of the executor's.
     */
    private String liveCall() {
        String callSid = TestCalls.liveCall(twilio, "+15555550123", TENANT_NUMBER);
        org.awaitility.Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() ->
                SIM.call(callSid).map(call -> !call.twimlReceived().isEmpty()).orElse(false));
        return callSid;
    }

    private Mono<String> smsStatus(String messageSid) {
        return db.sql("SELECT status FROM sms_messages WHERE message_sid = :sid").bind("sid", messageSid)
                .map(row -> row.get("status", String.class)).one();
    }

    private ToolResult run(String tenant, String tool, Map<String, Object> args, String verifiedAccount, String caller) {
        return run(tenant, callSid(), tool, args, verifiedAccount, caller);
    }

    private ToolResult run(String tenant, String callSid, String tool, Map<String, Object> args, String verifiedAccount,
                           String caller) {
        return process(new ToolCall(tenant, callSid, new ToolRequested("call_" + UUID.randomUUID(), tool, args,
                VERSION, "support", verifiedAccount != null, caller, REPLY_TOPIC, verifiedAccount)));
    }

    private ToolCall call(String tenant, String tool, Map<String, Object> args, String verifiedAccount, String caller) {
        return new ToolCall(tenant, callSid(), new ToolRequested("call_" + UUID.randomUUID(), tool, args, VERSION,
                "support", verifiedAccount != null, caller, REPLY_TOPIC, verifiedAccount));
    }

    private static ToolResult execute(SmsTool tool, ToolCall call) {
        AtomicReference<ToolResult> result = new AtomicReference<>();
        StepVerifier.create(tool.execute(call)).consumeNextWith(result::set).verifyComplete();
        return result.get();
    }

    private ToolResult process(ToolCall call) {
        StepVerifier.create(processor.process(call)).verifyComplete();
        return stored(call);
    }

    private ToolResult stored(ToolCall call) {
        AtomicReference<ToolResult> result = new AtomicReference<>();
        StepVerifier.create(results.find(call.tenantId(), call.request().toolCallId()))
                .consumeNextWith(stored -> result.set(stored.result())).verifyComplete();
        return result.get();
    }

    private static String callSid() {
        return TestCalls.callSid();
    }

    private static String uniqueNumber() {
        return TestCalls.uniqueNumber();
    }

}
