package dev.voiceagent.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.callbacks.sla.QueueSweeper;
import dev.voiceagent.contracts.CallbackRequested;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.EventType;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.ToolEvents;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.TranscriptTurn;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.twilio.SimulatedMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.test.StepVerifier;

/**
 * The first whole call: make-call on the gateway, through the Twilio simulator, signed TwiML, the media stream
 * via the gateway to the bridge, the realtime simulator, an account lookup and a callback request over Kafka to
 * the tool executor and back, transcripts and the outcome on Kafka, an evaluation stored, a callback task
 * opened, status callbacks, and the call log completed with its outcome. Every service runs as it would alone.
 */
class WholeCallE2EIT {

    private static LocalStack stack;
    private static TopicRecorder topics;
    private static WebTestClient gateway;

    @BeforeAll
    static void startStack() {
        stack = LocalStack.start(LocalStackOptions.forTests());
        topics = new TopicRecorder(stack.kafkaBootstrapServers());
        gateway = WebTestClient.bindToServer().baseUrl(stack.gatewayUrl()).responseTimeout(Duration.ofSeconds(15)).build();
    }

    @AfterAll
    static void stopStack() {
        if (topics != null) {
            topics.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void outboundCallRunsThroughEveryService() {
        Map<String, Object> created = gateway.post().uri("/api/v1/make-call")
                .header("x-api-key", "demo-key")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"to\":\"+15555550100\"}")
                .exchange()
                .expectStatus().is2xxSuccessful()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult().getResponseBody();
        assertThat(created).containsEntry("ok", true).containsEntry("status", "queued")
                .containsEntry("to", "+15555550100").containsEntry("from", "+15555550000");
        String callSid = (String) created.get("call_sid");
        assertThat(callSid).startsWith("CA");

        Map<?, ?> callLog = await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(250))
                .until(() -> callLog(callSid), log -> log != null && "completed".equals(log.get("status"))
                        && log.get("outcome") != null);
        assertThat(callLog.get("outcome")).isEqualTo("callback_created");
        assertThat(callLog.get("direction")).isEqualTo("outbound-api");

        Set<EventType> expected = Set.of(EventType.CALL_CREATED, EventType.CALL_STATUS_CHANGED,
                EventType.SESSION_STARTED, EventType.TRANSCRIPT_TURN, EventType.TOOL_REQUESTED,
                EventType.TOOL_COMPLETED, EventType.SESSION_OUTCOME, EventType.CALLBACK_REQUESTED,
                EventType.EVALUATION_COMPLETED, EventType.SESSION_ENDED);
        List<TopicRecorder.Seen> events = await().atMost(Duration.ofSeconds(30))
                .until(() -> topics.forCall(callSid), seen -> seen.stream()
                        .map(s -> s.envelope().type()).collect(Collectors.toSet()).containsAll(expected));

        events.forEach(seen -> {
            assertThat(seen.key()).as("key of " + seen.topic()).isEqualTo(callSid);
            assertThat(seen.envelope().tenantId()).isEqualTo("demo");
            assertThat(seen.envelope().source()).endsWith("-service");
            boolean replyCopy = seen.topic().startsWith(Topics.TOOL_REPLIES_PREFIX);
            assertThat(replyCopy || seen.topic().equals(seen.envelope().type().topic())).isTrue();
        });

        List<ToolEvents.ToolCompleted> results = payloads(events, ToolEvents.ToolCompleted.class, Topics.TOOL_RESULTS);
        assertThat(results).extracting(ToolEvents.ToolCompleted::tool).contains("lookup", "callback");
        assertThat(results).allMatch(r -> ToolEvents.ToolCompleted.OK.equals(r.status()));
        ToolEvents.ToolCompleted lookup = results.stream().filter(r -> r.tool().equals("lookup")).findFirst().orElseThrow();
        assertThat(lookup.output()).containsEntry("found", true).containsEntry("verified", true);
        assertThat(String.valueOf(lookup.output().get("balance"))).isEqualTo("42.50");
        // the caller's PIN (2 4 6 8) crossed Kafka only sealed, and the transcript carries it masked
        ToolEvents.ToolRequested lookupRequest = payloads(events, ToolEvents.ToolRequested.class, Topics.TOOL_REQUESTS)
                .stream().filter(r -> r.tool().equals("lookup")).findFirst().orElseThrow();
        assertThat(String.valueOf(lookupRequest.arguments().get("pin"))).startsWith("sealed:v1:");
        assertThat(lookupRequest.arguments()).containsEntry("account_number", "1001").doesNotContainValue("2468");
        assertThat(payloads(events, TranscriptTurn.class, Topics.TRANSCRIPTS)).extracting(TranscriptTurn::text)
                .anyMatch(text -> text.endsWith("my PIN is [pin]."))
                .noneMatch(text -> text.contains("2468") || text.contains("2 4 6 8"));

        SessionOutcome outcome = payloads(events, SessionOutcome.class, Topics.OUTCOMES).get(0);
        assertThat(outcome.outcome()).isEqualTo(Outcome.CALLBACK_CREATED);
        assertThat(outcome.intent()).isEqualTo("dispute");
        assertThat(outcome.callerTurns()).isGreaterThanOrEqualTo(3);
        assertThat(outcome.timeToFirstAudioMs()).isNotNull();
        assertThat(payloads(events, SessionOutcome.class, Topics.OUTCOMES)).hasSize(1);

        CallbackRequested callback = payloads(events, CallbackRequested.class, Topics.CALLBACKS).get(0);
        assertThat(callback.reason()).contains("disputed charge");

        gateway.get().uri("/api/v1/evaluations/sessions/{sid}", callSid).header("x-api-key", "demo-key")
                .exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.call_sid").isEqualTo(callSid).jsonPath("$.score").isNumber();

        gateway.get().uri("/api/v1/callbacks?status=open").header("x-api-key", "demo-key")
                .exchange().expectStatus().isOk()
                .expectBody(String.class).value(body -> assertThat(body).contains(callSid));

        // the spoken answer carried the tool result: the model simulator filled "{balance}" from the output
        assertThat(events.stream().filter(s -> s.envelope().type() == EventType.TRANSCRIPT_TURN)
                .map(s -> s.envelope().data().toString())).anyMatch(text -> text.contains("42.50"));
    }

    @Test
    void anotherTenantCannotReadTheCallLog() {
        gateway.get().uri("/api/v1/call-logs/CA00000000000000000000000000000000").header("x-api-key", "wrong-key")
                .exchange().expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }

    /**
     * SLA alert by SMS: the tenant's on-call number set through the config service reaches the callback service in
     * the tenant view; a breached task's alert goes as a tool request to the tool executor, which texts the number
     * through the Twilio simulator once, and its answer lands on the task's history.
     */
    @Test
    void aBreachedCallbackTextsTheOnCallNumberOnceThroughTheToolExecutor() {
        String onCall = "+15555550142";
        WebTestClient.bindToServer().baseUrl(stack.url("config-service")).build()
                .put().uri("/api/v1/admin/tenants/{t}/runtime-config", stack.options().tenantId())
                .header("x-admin-key", stack.options().adminKey()).contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"support_default\","
                        + "\"greeting\":\"Thanks for calling Demo Bank, how can I help?\",\"on_call_number\":\"" + onCall + "\"}")
                .exchange().expectStatus().isOk();
        ConfigurableApplicationContext callbacks = context("callback-service");
        TenantDirectory directory = callbacks.getBean(TenantDirectory.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> directory.byId(stack.options().tenantId())
                .map(t -> t.runtimeConfig() != null && onCall.equals(t.runtimeConfig().onCallNumber())).orElse(false));

        String callSid = "CA" + UUID.randomUUID().toString().replace("-", "");
        String callbackId = "cb_" + UUID.randomUUID().toString().replace("-", "");
        EventEnvelope<CallbackRequested> request = new EventEnvelope<>(UUID.randomUUID().toString(),
                EventType.CALLBACK_REQUESTED, "tool-executor-service", Instant.now().minus(Duration.ofHours(2)),
                stack.options().tenantId(), callSid, EventEnvelope.SCHEMA_VERSION,
                new CallbackRequested(callbackId, "billing question", "urgent", "+15555550100", null, "call_e2e"));
        StepVerifier.create(callbacks.getBean(EventPublisher.class).publish(request)).verifyComplete();

        QueueSweeper sweeper = callbacks.getBean(QueueSweeper.class);
        List<SimulatedMessage> texts = await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    StepVerifier.create(sweeper.sweep()).verifyComplete();
                    return stack.simulators().twilio().messages().stream()
                            .filter(m -> onCall.equals(m.to()) && m.body().contains("past due")).toList();
                }, found -> !found.isEmpty());
        for (int i = 0; i < 3; i++) {
            StepVerifier.create(sweeper.sweep()).verifyComplete();
        }
        assertThat(stack.simulators().twilio().messages().stream()
                .filter(m -> onCall.equals(m.to()) && m.body().equals(texts.get(0).body()))).hasSize(1);
        assertThat(texts.get(0).from()).isEqualTo(stack.options().tenantNumber());
        String taskId = texts.get(0).body().split(" ")[1];
        // the executor's answer is on the history: sent, or (on a loaded machine, Twilio slower than the tool
        // timeout) failed as unconfirmed — never sent again either way
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> gateway.get().uri("/api/v1/callbacks/{id}", taskId)
                .header("x-api-key", "demo-key").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.call_sid").isEqualTo(callSid)
                .jsonPath("$.history[?(@.action =~ /on_call_sms_(sent|failed)/)].actor")
                .isEqualTo("tool-executor-service"));
    }

    private static ConfigurableApplicationContext context(String application) {
        return RunningContexts.all().stream()
                .filter(c -> application.equals(c.getEnvironment().getProperty("spring.application.name")))
                .findFirst().orElseThrow();
    }

    private Map<?, ?> callLog(String callSid) {
        return gateway.get().uri("/api/v1/call-logs/{sid}", callSid).header("x-api-key", "demo-key")
                .exchange().returnResult(Map.class).getResponseBody().blockFirst(Duration.ofSeconds(5));
    }

    private static <T> List<T> payloads(List<TopicRecorder.Seen> events, Class<T> payload, String topic) {
        return events.stream().filter(s -> payload.isInstance(s.envelope().data()) && s.topic().equals(topic))
                .map(s -> payload.cast(s.envelope().data())).toList();
    }
}
