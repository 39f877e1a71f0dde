package dev.voiceagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionEvents.BargeIn;
import dev.voiceagent.contracts.SessionEvents.SessionEnded;
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
import dev.voiceagent.testkit.realtime.RealtimeFault;
import dev.voiceagent.testkit.realtime.RealtimeSimulator;
import dev.voiceagent.testkit.scenario.ModelAction;
import dev.voiceagent.testkit.scenario.Scenario;
import dev.voiceagent.testkit.scenario.Turn;
import java.time.Duration;
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
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One whole call through the bridge against the realtime simulator, with everything a real call can bring in one
 * conversation: the model connection dropped during the greeting and rebuilt, a greeting, a tool slow enough for a
 * filler, a barge-in (Twilio {@code clear}, and {@code conversation.item.truncate} at the position the caller's
 * acknowledged marks say was heard), a tool the agent may not use, a keypad digit, and a transfer. Gateway side over
 * WebSocket, tool replies and events through the real broker.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.bridge.instance-id=bridge-whole-call-it",
        "voice.realtime.api-key=sim-key",
        "voice.bridge.filler-threshold=1s",
        "voice.bridge.tool-timeout=20s"})
@AutoConfigureWebTestClient
@VoiceInfrastructure
class WholeCallIT {

    private static final String TENANT = "whole-call-tenant";
    private static final String STREAM = "MZwhole0001";
    private static final String FILLER = "In one short sentence, tell the caller you are still checking and will be right back.";
    private static final String ANSWER = "Your balance is {balance} {currency}. Is there anything else I can help you "
            + "with today, for example your card, your loan, your savings or your address?";
    private static final Scenario SCENARIO = Scenario.builder("whole-call")
            .greeting("Welcome to Demo Bank.")
            .turn("What is my balance? My account number is 1001.",
                    ModelAction.callTool("lookup", Map.of("account_number", "1001")),
                    ModelAction.say(ANSWER))
            .turn(Turn.of("Text it to me please.",
                    ModelAction.callTool("sms", Map.of("to", "+15555550100", "body", "balance")),
                    ModelAction.say("Sorry, I cannot send text messages.")).withBargeIn())
            .turn("(keypad)", ModelAction.say("You pressed one."))
            .turn("I want to speak to a person.",
                    ModelAction.callTool("escalation", Map.of("reason", "caller asked for a person")),
                    ModelAction.say("Transferring you now."))
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
        var agent = new AgentView("support", "agv-whole-1", List.of("lookup", "escalation"), null);
        tenants.apply(new TenantConfigPublished(TENANT, "Whole call", true, List.of("+15550002222"), "UTC", runtime,
                List.of(ApiKeys.hash("whole-call-key")), List.of(agent), 1));
        feed = new CallEventsFeed(bootstrap);
    }

    @AfterEach
    void tearDown() {
        feed.close();
        SIMULATOR.useFault(RealtimeFault.none());
    }

    @Test
    void aWholeCallWithReconnectFillerBargeInDeniedToolKeypadAndTransfer() {
        String callSid = "CA" + UUID.randomUUID().toString().replace("-", "");
        // the call's first model session drops at its first audio delta: the greeting is cut and the session rebuilt
        SIMULATOR.useFault(RealtimeFault.dropMidResponse(1).forSessions(1));
        try (GatewaySide gateway = GatewaySide.connect(port, headers(callSid))) {
            gateway.send("{\"event\":\"connected\",\"protocol\":\"Call\",\"version\":\"1.0.0\"}");
            gateway.send(GatewaySide.start(callSid, STREAM));

            // model loss and reconnect, then the greeting from the new session
            feed.await(callSid, TranscriptTurn.class, t -> t.text().equals("Welcome to Demo Bank."));
            assertThat(modelSessions(callSid)).hasSize(2);
            assertThat(modelSessions(callSid).get(0).fault()).isEqualTo("drop");

            // a tool slower than the filler threshold: the filler is spoken while it runs
            speak(gateway);
            ToolRequested lookup = feed.await(callSid, ToolRequested.class, r -> r.tool().equals("lookup"));
            // the bridge's transcript of the filler comes after it has queued all of the filler's audio
            feed.await(callSid, TranscriptTurn.class, t -> t.text().equals(FILLER));
            assertThat(modelSessions(callSid).get(1).agentTranscripts()).contains(FILLER);
            // the answer's audio will be playing when the caller barges in: only its first two marks come back (the
            // filler's marks must all have come and gone first, or they would take those two)
            await().atMost(GatewaySide.timeout()).until(() -> !gateway.events("mark").isEmpty()
                    && gateway.events("mark").size() == gateway.events("media").size());
            gateway.echoOnlyNextMarks(2);
            reply(callSid, new ToolCompleted(lookup.toolCallId(), "lookup", ToolCompleted.OK,
                    Map.of("found", true, "account_number", "1001", "balance", 250.75, "currency", "USD",
                            "status", "active"), null, 1200));
            String answer = ANSWER.replace("{balance}", "250.75").replace("{currency}", "USD");
            feed.await(callSid, TranscriptTurn.class, t -> t.text().equals(answer));

            // barge-in: Twilio is told to clear, the model to truncate at what the caller heard (two marks, 200 ms)
            speak(gateway);
            BargeIn bargeIn = feed.await(callSid, BargeIn.class, b -> true);
            gateway.echoOnlyNextMarks(-1);
            await().atMost(GatewaySide.timeout()).until(() -> !gateway.events("clear").isEmpty());
            ObservedSession model = modelSessions(callSid).get(1);
            await().atMost(GatewaySide.timeout()).until(() -> !model.truncations().isEmpty());
            assertThat(model.truncations()).singleElement().satisfies(truncation -> {
                assertThat(truncation.itemId()).isEqualTo(bargeIn.itemId());
                assertThat(truncation.audioEndMs()).isEqualTo(200);
            });
            assertThat(bargeIn.audioEndMs()).isEqualTo(200);

            // the barging turn asks for a tool the agent may not use: refused by the bridge, the agent says so
            feed.await(callSid, TranscriptTurn.class, t -> t.text().equals("Sorry, I cannot send text messages."));
            assertThat(model.functionCallOutputs()).extracting(ObservedSession.FunctionCallOutput::output)
                    .contains("The tool 'sms' is not available to this agent.");

            // a keypad digit reaches the model as caller input
            gateway.send("{\"event\":\"dtmf\",\"streamSid\":\"" + STREAM + "\",\"sequenceNumber\":\"40\","
                    + "\"dtmf\":{\"track\":\"inbound_track\",\"digit\":\"1\"}}");
            feed.await(callSid, TranscriptTurn.class, t -> t.text().equals("You pressed one."));
            assertThat(model.callerTranscripts()).anyMatch(text -> text.contains("1"));

            // the caller asks for a person: the transfer goes through the tool executor, then Twilio stops the stream
            speak(gateway);
            ToolRequested escalation = feed.await(callSid, ToolRequested.class, r -> r.tool().equals("escalation"));
            reply(callSid, new ToolCompleted(escalation.toolCallId(), "escalation", ToolCompleted.OK,
                    Map.of("transferred", true), null, 40));
            feed.await(callSid, TranscriptTurn.class, t -> t.text().equals("Transferring you now."));
            gateway.send(GatewaySide.stop(callSid, STREAM));

            SessionOutcome outcome = feed.await(callSid, SessionOutcome.class, o -> true);
            await().atMost(GatewaySide.timeout()).until(() -> gateway.closeStatus.get() != null);
            assertThat(gateway.closeStatus.get().code()).isEqualTo(1000);
            assertThat(outcome.outcome()).isEqualTo(Outcome.TRANSFERRED);
            assertThat(outcome.escalationReason()).isEqualTo("caller asked for a person");
            assertThat(outcome.interruptions()).isEqualTo(1);
            assertThat(outcome.tools()).extracting(SessionOutcome.ToolSummary::tool, SessionOutcome.ToolSummary::status)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("lookup", "ok"),
                            org.assertj.core.groups.Tuple.tuple("sms", "denied"),
                            org.assertj.core.groups.Tuple.tuple("escalation", "ok"));
            assertThat(feed.await(callSid, SessionEnded.class, e -> true).reason()).isEqualTo("stop");
            assertThat(feed.all(callSid, SessionOutcome.class)).as("exactly one outcome").hasSize(1);
            List<JsonNode> clears = gateway.events("clear");
            assertThat(clears).allSatisfy(clear -> assertThat(clear.path("streamSid").asString()).isEqualTo(STREAM));
        }

        // the transcript's timing: every turn's offset into the call, in the order the turns were finished
        List<TranscriptTurn> turns = feed.all(callSid, TranscriptTurn.class);
        assertThat(turns).extracting(TranscriptTurn::offsetMs).isSorted().allSatisfy(offset -> assertThat(offset).isNotNegative());
        assertThat(turns).extracting(TranscriptTurn::turnIndex).isSorted();

        // the stored record: what the call learned (account from the lookup, route from the transfer) and its tags
        JsonNode record = await().atMost(GatewaySide.timeout()).until(() -> voiceSession(callSid),
                node -> node != null && "transferred".equals(node.path("status").asString()));
        assertThat(record.path("state").path("account_context").asString()).isEqualTo("account 1001, active");
        assertThat(record.path("state").path("route").asString()).isEqualTo("transfer");
        List<String> tags = new java.util.ArrayList<>();
        record.path("tags").forEach(tag -> tags.add(tag.asString()));
        assertThat(tags).contains("reconnected", "dtmf", "tool_denied");
        assertThat(record.path("function_calls")).hasSize(3);
        assertThat(record.path("escalation_reason").asString()).isEqualTo("caller asked for a person");
    }

    /** The call's stored voice session as its tenant reads it, or null while there is none. */
    private JsonNode voiceSession(String callSid) {
        var result = web.get().uri("/api/v1/voice-sessions/" + callSid).header("x-api-key", "whole-call-key")
                .exchange().expectBody(String.class).returnResult();
        return result.getStatus().is2xxSuccessful() ? JsonMapper.builder().build().readTree(result.getResponseBody()) : null;
    }

    private static Map<String, String> headers(String callSid) {
        return Map.of("X-Voice-Call-Sid", callSid, "X-Voice-Tenant-Id", TENANT, "X-Voice-Agent-Key", "support",
                "X-Voice-Agent-Version-Id", "agv-whole-1", "X-Voice-Caller", "+15555550100",
                "X-Voice-Direction", "inbound");
    }

    /** The simulator's sessions of this call, in the order they were opened (the bridge names the call in tracing). */
    private static List<ObservedSession> modelSessions(String callSid) {
        return SIMULATOR.sessions().stream()
                .filter(s -> s.lastSessionUpdate() != null
                        && callSid.equals(s.lastSessionUpdate().path("tracing").path("group_id").asString()))
                .toList();
    }

    /** The caller says something: 600 ms of tone, then 400 ms of silence for the model's VAD to end the turn. */
    private static void speak(GatewaySide gateway) {
        gateway.sendAudio(STREAM, Tones.tone(600, 300));
        gateway.sendAudio(STREAM, Tones.silence(400));
    }

    private void reply(String callSid, ToolCompleted completed) {
        StepVerifier.create(publisher.send(Topics.toolReplies("bridge-whole-call-it"),
                EventEnvelope.of("tool-executor-service", TENANT, callSid, completed))).verifyComplete();
    }
}
