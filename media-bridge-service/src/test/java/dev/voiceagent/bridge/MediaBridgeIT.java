package dev.voiceagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionEvents.SessionEnded;
import dev.voiceagent.contracts.SessionEvents.SessionStarted;
import dev.voiceagent.contracts.SessionEvents.SessionStateChanged;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.TranscriptTurn;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.ApiKeys;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.audio.Tones;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import dev.voiceagent.testkit.realtime.ObservedSession;
import dev.voiceagent.testkit.realtime.RealtimeSimulator;
import dev.voiceagent.testkit.scenario.ModelAction;
import dev.voiceagent.testkit.scenario.Scenario;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

/** A whole call through the bridge: gateway side over WebSocket, the realtime simulator as the model, real Kafka. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.bridge.instance-id=bridge-it",
        "voice.realtime.api-key=sim-key",
        // the simulator's scenario must not be interrupted by a filler in this test
        "voice.bridge.filler-threshold=20s",
        "voice.bridge.tool-timeout=30s"})
@AutoConfigureWebTestClient
@VoiceInfrastructure
class MediaBridgeIT {

    private static final String TENANT = "it-tenant";
    private static final String API_KEY = "it-key";
    private static final String STREAM = "MZit0001";
    private static final Scenario SCENARIO = Scenario.builder("bridge-it")
            .greeting("Welcome to Demo Bank.")
            .turn("What is my balance? My account number is 1001.",
                    ModelAction.callTool("update_session", Map.of("intent", "account_inquiry")),
                    ModelAction.callTool("lookup", Map.of("account_number", "1001")),
                    ModelAction.say("Your balance is {balance} {currency}."))
            .turn("Thank you, goodbye.", ModelAction.say("Goodbye!"))
            .build();
    private static final RealtimeSimulator SIMULATOR = RealtimeSimulator.start(0, SCENARIO).requireApiKey("sim-key");

    @DynamicPropertySource
    static void realtime(DynamicPropertyRegistry registry) {
        registry.add("voice.realtime.url", SIMULATOR::url);
    }

    @AfterAll
    static void stopSimulator() {
        SIMULATOR.close();
    }

    @LocalServerPort
    int port;
    @Autowired
    TenantDirectory tenants;
    @Autowired
    EventPublisher publisher;
    @Autowired
    WebTestClient web;
    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrap;

    private CallEventsFeed feed;

    @BeforeEach
    void setUp() {
        var runtime = new TenantConfigPublished.RuntimeConfig("gpt-realtime", "alloy", "support_default", 1,
                "You are Demo Bank's phone agent.", null, "en-US", "Welcome to Demo Bank.");
        var agent = new AgentView("support", "agv-it-1", List.of("lookup", "callback"), null);
        tenants.apply(new TenantConfigPublished(TENANT, "IT", true, List.of("+15550001111"), "UTC", runtime,
                List.of(ApiKeys.hash(API_KEY)), List.of(agent), 1));
        feed = new CallEventsFeed(bootstrap);
    }

    @AfterEach
    void tearDown() {
        feed.close();
    }

    private Map<String, String> headers(String callSid) {
        return Map.of("X-Voice-Call-Sid", callSid, "X-Voice-Tenant-Id", TENANT, "X-Voice-Agent-Key", "support",
                "X-Voice-Agent-Version-Id", "agv-it-1", "X-Voice-Caller", "+15555550100",
                "X-Voice-Direction", "inbound");
    }


    private void speak(GatewaySide gateway, int toneMs) {
        gateway.sendAudio(STREAM, Tones.tone(toneMs, 300));
        gateway.sendAudio(STREAM, Tones.silence(400));
    }

    @Test
    void runsAWholeCallWithAToolRoundTripThroughKafka() {
        String callSid = "CA" + UUID.randomUUID().toString().replace("-", "");
        int framesSent = 0;
        try (GatewaySide gateway = GatewaySide.connect(port, headers(callSid))) {
            gateway.send("{\"event\":\"connected\",\"protocol\":\"Call\",\"version\":\"1.0.0\"}");
            gateway.send(GatewaySide.start(callSid, STREAM));

            SessionStarted started = feed.await(callSid, SessionStarted.class, s -> true);
            assertThat(started.streamSid()).isEqualTo(STREAM);
            assertThat(started.bridgeInstance()).isEqualTo("bridge-it");
            feed.await(callSid, TranscriptTurn.class, t -> t.text().equals("Welcome to Demo Bank."));
            await().atMost(GatewaySide.timeout()).until(() -> !gateway.events("mark").isEmpty());

            web.get().uri("/api/v1/active-sessions").header("x-api-key", API_KEY).exchange()
                    .expectStatus().isOk().expectBody()
                    .jsonPath("$.sessions[0].call_sid").isEqualTo(callSid)
                    .jsonPath("$.sessions[0].phase").isEqualTo("active");

            speak(gateway, 600);
            framesSent += (600 + 400) / 20;
            ToolRequested request = feed.await(callSid, ToolRequested.class, r -> r.tool().equals("lookup"));
            assertThat(request.arguments()).containsEntry("account_number", "1001");
            assertThat(request.replyTopic()).isEqualTo(Topics.toolReplies("bridge-it"));
            assertThat(request.intent()).isEqualTo("account_inquiry");
            var completed = new ToolCompleted(request.toolCallId(), "lookup", ToolCompleted.OK,
                    Map.of("found", true, "balance", 250.75, "currency", "USD"), null, 4);
            StepVerifier.create(publisher.send(Topics.toolReplies("bridge-it"),
                    EventEnvelope.of("tool-executor-service", TENANT, callSid, completed))).verifyComplete();

            feed.await(callSid, TranscriptTurn.class, t -> t.text().equals("Your balance is 250.75 USD."));
            speak(gateway, 500);
            framesSent += (500 + 400) / 20;
            feed.await(callSid, TranscriptTurn.class, t -> t.text().equals("Goodbye!"));

            gateway.send(GatewaySide.stop(callSid, STREAM));
            SessionOutcome outcome = feed.await(callSid, SessionOutcome.class, o -> true);
            await().atMost(GatewaySide.timeout()).until(() -> gateway.closeStatus.get() != null);

            assertThat(gateway.closeStatus.get().code()).isEqualTo(1000);
            assertThat(outcome.outcome()).isEqualTo(Outcome.RESOLVED);
            assertThat(outcome.intent()).isEqualTo("account_inquiry");
            assertThat(outcome.agentVersionId()).isEqualTo("agv-it-1");
            assertThat(outcome.callerTurns()).isEqualTo(2);
            assertThat(outcome.agentTurns()).isEqualTo(3);
            assertThat(outcome.timeToFirstAudioMs()).isNotNull();
            assertThat(outcome.tools()).singleElement().satisfies(t -> {
                assertThat(t.tool()).isEqualTo("lookup");
                assertThat(t.status()).isEqualTo("ok");
            });
            assertThat(feed.all(callSid, SessionStateChanged.class)).isNotEmpty();
            assertThat(feed.await(callSid, SessionEnded.class, e -> true).reason()).isEqualTo("stop");
            assertThat(feed.all(callSid, TranscriptTurn.class)).extracting(TranscriptTurn::role, TranscriptTurn::text)
                    .contains(org.assertj.core.groups.Tuple.tuple("caller", "What is my balance? My account number is 1001."),
                            org.assertj.core.groups.Tuple.tuple("agent", "Goodbye!"));

            // the model side as the simulator saw it
            ObservedSession model = SIMULATOR.sessions().stream().filter(s -> s.callerTranscripts().contains(
                    "What is my balance? My account number is 1001.")).reduce((a, b) -> b).orElseThrow();
            assertThat(model.authorization()).isEqualTo("Bearer sim-key");
            assertThat(model.model()).isEqualTo("gpt-realtime");
            JsonNode session = model.lastSessionUpdate();
            assertThat(session.path("type").asString()).isEqualTo("realtime");
            assertThat(session.path("instructions").asString()).isEqualTo("You are Demo Bank's phone agent.");
            assertThat(session.path("audio").path("input").path("format").path("type").asString()).isEqualTo("audio/pcmu");
            assertThat(session.path("audio").path("output").path("format").path("type").asString()).isEqualTo("audio/pcmu");
            assertThat(session.path("audio").path("input").path("turn_detection").path("type").asString()).isEqualTo("server_vad");
            assertThat(session.path("audio").path("input").path("transcription").path("model").asString()).isNotBlank();
            assertThat(session.path("audio").path("output").path("voice").asString()).isEqualTo("alloy");
            assertThat(session.path("tracing").path("group_id").asString()).isEqualTo(callSid);
            assertThat(session.path("tracing").path("metadata").path("call_sid").asString()).isEqualTo(callSid);
            assertThat(session.path("tracing").path("metadata").path("tenant_id").asString()).isEqualTo(TENANT);
            List<String> toolNames = new ArrayList<>();
            session.path("tools").forEach(t -> toolNames.add(t.path("name").asString()));
            assertThat(toolNames).containsExactly("lookup", "callback", "update_session");
            assertThat(session.path("tools").get(0).path("parameters").path("type").asString()).isEqualTo("object");
            assertThat(model.functionCallOutputs()).extracting(ObservedSession.FunctionCallOutput::callId)
                    .contains(request.toolCallId());
            assertThat(model.functionCallOutputs()).filteredOn(o -> o.callId().equals(request.toolCallId()))
                    .singleElement().satisfies(o -> assertThat(o.output()).contains("\"balance\":250.75"));
            int expectedFrames = framesSent;
            await().atMost(GatewaySide.timeout()).until(() -> model.closed());
            assertThat(model.count("input_audio_buffer.append")).isEqualTo(expectedFrames);

            // agent audio reached the gateway side, each chunk followed by its mark
            List<JsonNode> media = gateway.events("media");
            List<JsonNode> marks = gateway.events("mark");
            assertThat(media).isNotEmpty();
            assertThat(marks).hasSameSizeAs(media);
            assertThat(marks.get(0).path("mark").path("name").asString()).matches(".+:\\d+");
            assertThat(media.get(0).path("streamSid").asString()).isEqualTo(STREAM);
        }
    }

    @Test
    void rejectsAStreamWithoutCallHeadersWithPolicyViolation() {
        try (GatewaySide gateway = GatewaySide.connect(port, Map.of("X-Voice-Tenant-Id", TENANT))) {
            await().atMost(GatewaySide.timeout()).until(() -> gateway.closeStatus.get() != null);
            assertThat(gateway.closeStatus.get().code()).isEqualTo(1008);
            assertThat(gateway.closeStatus.get().reasonText()).isEqualTo("missing header X-Voice-Call-Sid");
        }
    }

    @Test
    void rejectsAnUnknownTenantWithPolicyViolation() {
        Map<String, String> headers = new java.util.HashMap<>(headers("CAunknown"));
        headers.put("X-Voice-Tenant-Id", "nobody");
        try (GatewaySide gateway = GatewaySide.connect(port, headers)) {
            await().atMost(GatewaySide.timeout()).until(() -> gateway.closeStatus.get() != null);
            assertThat(gateway.closeStatus.get().code()).isEqualTo(1008);
            assertThat(gateway.closeStatus.get().reasonText()).isEqualTo("unknown tenant nobody");
        }
    }

    @Test
    void activeSessionsNeedATenantKey() {
        web.get().uri("/api/v1/active-sessions").exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        web.get().uri("/api/v1/active-sessions").header("x-api-key", API_KEY).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.sessions").isArray();
    }
}
