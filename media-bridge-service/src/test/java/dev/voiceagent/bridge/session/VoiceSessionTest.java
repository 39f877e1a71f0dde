package dev.voiceagent.bridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.voiceagent.bridge.realtime.RealtimeServerEvent;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.FunctionCallOutput;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.FunctionTool;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.InputAudioAppend;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.ItemTruncate;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.ResponseCreate;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.SessionUpdate;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.UserText;
import dev.voiceagent.bridge.realtime.RealtimeProperties;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.FunctionCallArgumentsDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.InputTranscriptionCompleted;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.OutputAudioDelta;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.OutputAudioTranscriptDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.ResponseCreated;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.ResponseDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SpeechStarted;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SpeechStopped;
import dev.voiceagent.bridge.support.BridgeMetrics;
import dev.voiceagent.bridge.support.BridgeProperties;
import dev.voiceagent.bridge.tools.PendingToolCalls;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Clear;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Dtmf;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Mark;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Media;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Start;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Stop;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.LogLine;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionEvents.BargeIn;
import dev.voiceagent.contracts.SessionEvents.SessionEnded;
import dev.voiceagent.contracts.SessionEvents.SessionStarted;
import dev.voiceagent.contracts.SessionEvents.SessionStateChanged;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.contracts.TranscriptTurn;
import dev.voiceagent.contracts.VoiceEvent;
import dev.voiceagent.testkit.audio.DtmfDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import org.springframework.web.reactive.socket.CloseStatus;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class VoiceSessionTest {

    private static final String CALL = "CA0001";
    private static final String STREAM = "MZ0001";
    /** 800 μ-law bytes = 100 ms of audio. */
    private static final String HUNDRED_MS = Base64.getEncoder().encodeToString(new byte[800]);

    private final ScriptedModel model = new ScriptedModel();
    private final List<EventEnvelope<?>> published = new CopyOnWriteArrayList<>();
    private final List<VoiceSessionRecord> records = new CopyOnWriteArrayList<>();
    /** Sends that fail (as while the broker is away) before the publisher accepts again. */
    private final java.util.concurrent.atomic.AtomicInteger failingSends = new java.util.concurrent.atomic.AtomicInteger();
    private final PendingToolCalls pending = new PendingToolCalls();
    private final Sinks.Many<TwilioStreamMessage> twilio = Sinks.many().unicast().onBackpressureBuffer();
    private final List<TwilioStreamMessage> toTwilio = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private VirtualTimeScheduler clock;
    private VoiceSession session;

    @BeforeEach
    void setUp() {
        clock = VirtualTimeScheduler.create();
        session = newSession("Hello, thanks for calling.");
    }

    @AfterEach
    void tearDown() {
        clock.dispose();
    }

    private static BridgeProperties bridge() {
        return new BridgeProperties("bridge-test", Duration.ofSeconds(8), Duration.ofMillis(1500),
                Duration.ofSeconds(10), 250, 500, "FILLER", "APOLOGY", "GREET: ");
    }

    private VoiceSession newSession(String greeting) {
        return newSession(greeting, bridge());
    }

    private VoiceSession newSession(String greeting, BridgeProperties bridge) {
        return newSession(greeting, bridge, null);
    }

    private VoiceSession newSession(String greeting, BridgeProperties bridge, ModelLinks links) {
        return newSession(greeting, bridge, links, new AgentView("support", "agv-1", List.of("lookup", "callback"), null));
    }

    /** A session for an agent whose version {@code agv-1} has {@code limits}, may use {@code tools}, falls back to {@code fallback}. */
    private VoiceSession contractSession(TenantConfigPublished.HandoffLimits limits, List<String> tools, String fallback) {
        var version = new TenantConfigPublished.VersionView("agv-1", tools, List.of(), List.of(), null, null, limits,
                List.of(), fallback);
        return newSession(null, bridge(), null, new AgentView("support", "agv-1", tools, fallback, List.of(version),
                TenantConfigPublished.Rollout.NONE));
    }

    private VoiceSession newSession(String greeting, BridgeProperties bridge, ModelLinks links, AgentView agent) {
        return newSession(greeting, bridge, links, agent, TenantConfigPublished.CallLimits.NONE,
                TenantConfigPublished.TenantLimits.NONE);
    }

    /** A session for the default agent whose tenant's runtime config has {@code limits}, and the tenant {@code tenantLimits}. */
    private VoiceSession limitedSession(TenantConfigPublished.CallLimits limits,
                                        TenantConfigPublished.TenantLimits tenantLimits) {
        return newSession(null, bridge(), null, new AgentView("support", "agv-1", List.of("lookup", "escalation"), null),
                limits, tenantLimits);
    }

    private VoiceSession newSession(String greeting, BridgeProperties bridge, ModelLinks links, AgentView agent,
                                    TenantConfigPublished.CallLimits limits,
                                    TenantConfigPublished.TenantLimits tenantLimits) {
        var runtime = new TenantConfigPublished.RuntimeConfig("gpt-realtime", "marin", "support_default", 1,
                "You are the demo agent.", null, "en-US", greeting, limits);
        var tenant = new TenantConfigPublished("demo", "Demo", true, List.of("+15555550000"), "UTC", runtime,
                List.of(), List.of(agent), 1, tenantLimits);
        var realtime = new RealtimeProperties(URI.create("ws://localhost/v1/realtime"), "key", "gpt-realtime",
                "alloy", "gpt-4o-mini-transcribe", Duration.ofSeconds(10), Duration.ofSeconds(2), 1 << 20);
        var metrics = new BridgeMetrics(meters, () -> 0);
        var deps = new SessionDependencies(model, envelope -> failingSends.getAndUpdate(n -> Math.max(0, n - 1)) > 0
                        ? Mono.error(new java.util.concurrent.TimeoutException("broker away"))
                        : Mono.fromRunnable(() -> published.add(envelope)),
                "media-bridge-service", pending, metrics, bridge, realtime, clock,
                links != null ? links : ModelLinks.direct(model, 250, metrics, clock), records::add,
                io.micrometer.observation.ObservationRegistry.NOOP,
                FallbackPrompts.load(bridge.resilience()));
        var call = new CallContext(CALL, "demo", "support", null, "+15555550100", "inbound");
        return new VoiceSession(call, tenant, agent, deps);
    }

    /**
     * The bridge's goodbye (the agent asked to say it, then to end the call): a tool call the model tries meanwhile is
     * not started, the goodbye plays, the bridge waits until Twilio confirms the caller heard it, then closes.
     */
    private StepVerifier.Step<CloseStatus> goodbyeHeardThenClosed(StepVerifier.Step<CloseStatus> step) {
        return step
                .then(() -> model.emit(new FunctionCallArgumentsDone("r_x", "item_x", "call_x", "lookup", "{}")))
                .then(() -> model.emit(new ResponseCreated("g")))
                .then(() -> model.emit(new OutputAudioDelta("g", "item_g", HUNDRED_MS)))
                .then(() -> model.emit(new ResponseDone("g", "completed")))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(2)))
                .then(() -> assertThat(session.phase()).as("the goodbye is still unheard").isEqualTo(VoiceSession.Phase.ACTIVE))
                .then(() -> twilioSays(new Mark(STREAM, markOf("item_g"))))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(1)))
                .then(this::socketClosed);
    }

    private StepVerifier.Step<CloseStatus> started() {
        session.toTwilio().subscribe(toTwilio::add);
        return StepVerifier.create(session.run(twilio.asFlux()))
                .then(() -> twilioSays(new Start(STREAM, "AC1", CALL, List.of("inbound"), Map.of(), "audio/x-mulaw", 8000, 1)));
    }

    private void twilioSays(TwilioStreamMessage message) {
        twilio.tryEmitNext(message).orThrow();
    }

    /** Twilio's stop, then the gateway's socket closing in answer to the bridge's close. */
    private void hangUp() {
        twilioSays(new Stop(STREAM, "AC1", CALL));
        socketClosed();
    }

    /** The tool executor's answer to the hand-over just requested: done. */
    private void handOverDone() {
        List<ToolRequested> requested = publishedOf(ToolRequested.class);
        ToolRequested handover = requested.get(requested.size() - 1);
        assertThat(pending.complete(new ToolCompleted(handover.toolCallId(), handover.tool(), ToolCompleted.OK,
                Map.of(), null, 3))).isTrue();
    }

    private void socketClosed() {
        twilio.tryEmitComplete();
    }

    @SuppressWarnings("unchecked")
    private <T extends VoiceEvent> List<T> publishedOf(Class<T> type) {
        return published.stream().map(EventEnvelope::data).filter(type::isInstance).map(d -> (T) d).toList();
    }

    /** The call's live-log lines, in order, as {@code level: message}. */
    private List<String> lines() {
        return publishedOf(LogLine.class).stream().map(line -> line.level() + ": " + line.message()).toList();
    }

    private SessionOutcome outcome() {
        List<SessionOutcome> outcomes = publishedOf(SessionOutcome.class);
        assertThat(outcomes).hasSize(1);
        return outcomes.get(0);
    }

    @Test
    void startConfiguresTheModelPlaysTheGreetingAndPublishesStarted() {
        started().then(this::hangUp).expectNext(CloseStatus.NORMAL).verifyComplete();

        assertThat(model.model).isEqualTo("gpt-realtime");
        SessionUpdate update = model.receivedOf(SessionUpdate.class).get(0);
        assertThat(update.instructions()).isEqualTo("You are the demo agent.");
        assertThat(update.voice()).isEqualTo("marin");
        assertThat(update.language()).isEqualTo("en");
        assertThat(update.tools()).extracting(FunctionTool::name).containsExactly("lookup", "callback", "update_session");
        assertThat(model.received.get(0)).isInstanceOf(SessionUpdate.class);
        assertThat(model.receivedOf(ResponseCreate.class)).containsExactly(new ResponseCreate("GREET: Hello, thanks for calling."));
        SessionStarted started = publishedOf(SessionStarted.class).get(0);
        assertThat(started.streamSid()).isEqualTo(STREAM);
        assertThat(started.agentVersionId()).isEqualTo("agv-1");
        assertThat(started.bridgeInstance()).isEqualTo("bridge-test");
        assertThat(published.get(0).callSid()).isEqualTo(CALL);
        assertThat(model.closedByBridge).isTrue();
    }

    @Test
    void eventsThatFailWhileTheBrokerIsAwayArePublishedInOrderOnceItIsBack() {
        failingSends.set(3);
        started().then(this::hangUp).expectNext(CloseStatus.NORMAL).verifyComplete();

        assertThat(published.get(0).data()).isInstanceOf(SessionStarted.class);
        assertThat(published.get(published.size() - 1).data()).isInstanceOf(SessionOutcome.class);
        assertThat(publishedOf(SessionStarted.class)).hasSize(1);
        assertThat(outcome().outcome()).isNotNull();
    }

    @Test
    void aSocketHandlerCancelledWhileEventsArePendingStillPublishesThem() {
        failingSends.set(2);
        session.toTwilio().subscribe(toTwilio::add);
        var run = session.run(twilio.asFlux()).subscribe();
        twilioSays(new Start(STREAM, "AC1", CALL, List.of("inbound"), Map.of(), "audio/x-mulaw", 8000, 1));
        hangUp();
        run.dispose();

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> publishedOf(SessionOutcome.class).size() == 1);
        assertThat(publishedOf(SessionStarted.class)).hasSize(1);
    }

    @Test
    void relaysAudioBothWaysUntouchedWithAMarkAfterEachChunk() {
        started()
                .then(() -> twilioSays(new Media(STREAM, "inbound", "1", "20", "fv7+/g==")))
                .then(() -> model.emit(new OutputAudioDelta("r1", "item_1", HUNDRED_MS)))
                .then(() -> model.emit(new OutputAudioDelta("r1", "item_1", HUNDRED_MS)))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOf(InputAudioAppend.class)).containsExactly(new InputAudioAppend("fv7+/g=="));
        assertThat(toTwilio).containsExactly(
                Media.outbound(STREAM, HUNDRED_MS), new Mark(STREAM, "item_1:100"),
                Media.outbound(STREAM, HUNDRED_MS), new Mark(STREAM, "item_1:200"));
        assertThat(outcome().timeToFirstAudioMs()).isZero();
        assertThat(relayed("twilio_to_model")).as("one media frame, no mark").isEqualTo(1);
        assertThat(relayed("model_to_twilio")).as("two audio deltas, marks untimed").isEqualTo(2);
    }

    private long relayed(String direction) {
        return meters.get("voice.bridge.relay.latency").tag("direction", direction).timer().count();
    }

    private double modelErrors(String kind, String code) {
        var counter = meters.find("voice.bridge.model.errors").tag("kind", kind).tag("code", code).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void modelErrorEventsAreCountedByCodeAndTheCallGoesOn() {
        started()
                .then(() -> model.emit(new RealtimeServerEvent.Error("invalid_request_error", "decimal_below_min_value",
                        "too small", "evt_1")))
                .then(() -> model.emit(new RealtimeServerEvent.Error("server_error", null, "oops", null)))
                .then(() -> model.emit(new RealtimeServerEvent.Error("server_error", "Not A Code!", "odd", null)))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(modelErrors("error_event", "decimal_below_min_value")).isEqualTo(1);
        assertThat(modelErrors("error_event", "server_error")).isEqualTo(1);
        assertThat(modelErrors("error_event", "other")).isEqualTo(1);
        assertThat(model.connections()).isEqualTo(1);
    }

    @Test
    void bargeInTruncatesAtWhatTheCallerHeardByMarksNotAtWhatWasSent() {
        started()
                .then(() -> {
                    for (int i = 0; i < 3; i++) {
                        model.emit(new OutputAudioDelta("r1", "item_1", HUNDRED_MS));
                    }
                })
                .then(() -> twilioSays(new Mark(STREAM, "item_1:100")))
                .then(() -> model.emit(new SpeechStarted("item_caller", 900)))
                // Twilio echoes the cleared marks; they must not move the heard position
                .then(() -> twilioSays(new Mark(STREAM, "item_1:200")))
                .then(() -> model.emit(new OutputAudioDelta("r1", "item_1", HUNDRED_MS)))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOf(ItemTruncate.class)).containsExactly(new ItemTruncate("item_1", 0, 100));
        assertThat(publishedOf(BargeIn.class)).containsExactly(new BargeIn("item_1", 100));
        assertThat(lines()).contains("info: caller interrupted the agent: its audio cut at 100 ms heard");
        assertThat(toTwilio).contains(new Clear(STREAM));
        assertThat(toTwilio.subList(toTwilio.indexOf(new Clear(STREAM)), toTwilio.size()))
                .as("audio of the truncated item is not played after the clear").containsExactly(new Clear(STREAM));
        assertThat(outcome().interruptions()).isEqualTo(1);
    }

    @Test
    void bargeInCutsEveryItemTheCallerHadNotHeardNotOnlyThePlayingOne() {
        started()
                // a filler is still playing when the answer's audio arrives behind it
                .then(() -> model.emit(new OutputAudioDelta("r1", "item_filler", HUNDRED_MS)))
                .then(() -> model.emit(new OutputAudioDelta("r1", "item_filler", HUNDRED_MS)))
                .then(() -> model.emit(new OutputAudioDelta("r2", "item_answer", HUNDRED_MS)))
                .then(() -> twilioSays(new Mark(STREAM, "item_filler:100")))
                .then(() -> model.emit(new SpeechStarted("item_caller", 900)))
                // the answer's late audio is not played over the caller
                .then(() -> model.emit(new OutputAudioDelta("r2", "item_answer", HUNDRED_MS)))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOf(ItemTruncate.class)).containsExactly(new ItemTruncate("item_filler", 0, 100),
                new ItemTruncate("item_answer", 0, 0));
        assertThat(publishedOf(BargeIn.class)).containsExactly(new BargeIn("item_filler", 100));
        assertThat(toTwilio.subList(toTwilio.indexOf(new Clear(STREAM)), toTwilio.size()))
                .containsExactly(new Clear(STREAM));
        assertThat(outcome().interruptions()).isEqualTo(1);
    }

    @Test
    void speechWhileNothingIsUnplayedIsNotABargeIn() {
        started()
                .then(() -> model.emit(new OutputAudioDelta("r1", "item_1", HUNDRED_MS)))
                .then(() -> twilioSays(new Mark(STREAM, "item_1:100")))
                .then(() -> model.emit(new SpeechStarted("item_caller", 900)))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOf(ItemTruncate.class)).isEmpty();
        assertThat(toTwilio).doesNotContain(new Clear(STREAM));
    }

    @Test
    void interruptionGoesAheadOfQueuedAudioAndDropsIt() {
        List<TwilioStreamMessage> written = new ArrayList<>();
        Holding holding = new Holding(written);
        session.toTwilio().subscribe(holding);
        StepVerifier.create(session.run(twilio.asFlux()))
                .then(() -> twilioSays(new Start(STREAM, "AC1", CALL, List.of("inbound"), Map.of(), "audio/x-mulaw", 8000, 1)))
                .then(() -> {
                    for (int i = 0; i < 5; i++) {
                        model.emit(new OutputAudioDelta("r1", "item_1", HUNDRED_MS));
                    }
                })
                .then(() -> holding.request(1))
                .then(() -> model.emit(new SpeechStarted("item_caller", 900)))
                .then(() -> holding.request(100))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(written).containsExactly(Media.outbound(STREAM, HUNDRED_MS), new Clear(STREAM));
        assertThat(model.receivedOf(ItemTruncate.class)).containsExactly(new ItemTruncate("item_1", 0, 0));
    }

    @Test
    void dtmfReachesTheModelAsCallerText() {
        started()
                .then(() -> twilioSays(new Dtmf(STREAM, "inbound_track", "5")))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOf(UserText.class)).containsExactly(new UserText("[DTMF 5]"));
        assertThat(lines()).as("the digit itself stays out of the log (it may be a PIN)")
                .contains("info: keypad digit received").noneMatch(line -> line.contains("5"));
    }

    @Test
    void transcriptsOfBothSidesArePublishedAndTheCallIsResolved() {
        started()
                .then(() -> model.emit(new SpeechStopped("item_c1", 2000)))
                .then(() -> model.emit(new InputTranscriptionCompleted("item_c1", "What is my balance?")))
                .then(() -> model.emit(new OutputAudioTranscriptDone("r2", "item_a1", "It is 42 dollars.")))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(TranscriptTurn.class)).extracting(TranscriptTurn::role, TranscriptTurn::text,
                        TranscriptTurn::turnIndex)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("caller", "What is my balance?", 0),
                        org.assertj.core.groups.Tuple.tuple("agent", "It is 42 dollars.", 1));
        SessionOutcome outcome = outcome();
        assertThat(outcome.outcome()).isEqualTo(Outcome.RESOLVED);
        assertThat(outcome.callerTurns()).isEqualTo(1);
        assertThat(outcome.agentTurns()).isEqualTo(1);
        assertThat(publishedOf(SessionEnded.class)).extracting(SessionEnded::reason).containsExactly("stop");
        assertThat(published.get(published.size() - 1).data()).isInstanceOf(SessionOutcome.class);
    }

    @Test
    void aCallerWhoNeverSpokeAbandonedTheCall() {
        started().then(this::hangUp).expectNext(CloseStatus.NORMAL).verifyComplete();
        assertThat(outcome().outcome()).isEqualTo(Outcome.ABANDONED);
    }

    @Test
    void toolCallsGoToKafkaAndTheReplyReachesTheModelAsFunctionOutput() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new ResponseCreated("r1")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_1", "callback",
                        "{\"reason\":\"billing\"}")))
                .then(() -> model.emit(new ResponseDone("r1", "completed")))
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(200)))
                .then(() -> assertThat(pending.complete(new ToolCompleted("call_1", "callback", ToolCompleted.OK,
                        Map.of("callback_id", "cb-1", "status", "queued"), null, 12))).isTrue())
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        ToolRequested request = publishedOf(ToolRequested.class).get(0);
        assertThat(request.toolCallId()).isEqualTo("call_1");
        assertThat(request.tool()).isEqualTo("callback");
        assertThat(request.arguments()).containsEntry("reason", "billing");
        assertThat(request.replyTopic()).isEqualTo("voice.tool.replies.bridge-test");
        assertThat(request.callerNumber()).isEqualTo("+15555550100");
        List<RealtimeClientEvent> tail = model.received.subList(model.received.size() - 2, model.received.size());
        assertThat(tail.get(0)).isInstanceOfSatisfying(FunctionCallOutput.class, out -> {
            assertThat(out.callId()).isEqualTo("call_1");
            assertThat(out.output()).contains("\"callback_id\":\"cb-1\"");
        });
        assertThat(tail.get(1)).isEqualTo(new ResponseCreate(null));
        SessionOutcome outcome = outcome();
        assertThat(outcome.outcome()).isEqualTo(Outcome.CALLBACK_CREATED);
        assertThat(outcome.tools()).singleElement().satisfies(t -> {
            assertThat(t.status()).isEqualTo("ok");
            assertThat(t.latencyMs()).isEqualTo(200);
        });
        // the call's live log: started, the tool (name, status, time; never its arguments or result), ended
        assertThat(lines()).first().asString().startsWith("info: media session started: agent ");
        assertThat(lines()).contains("info: tool callback: ok in 200 ms")
                .noneMatch(line -> line.contains("billing") || line.contains("cb-1"));
        assertThat(lines()).last().asString().isEqualTo("info: media session ended (stop): outcome callback_created");
    }

    @Test
    void aDeniedToolIsAnsweredWithItsSpeakableReason() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_1", "lookup", "{}")))
                .then(() -> pending.complete(new ToolCompleted("call_1", "lookup", ToolCompleted.DENIED, null,
                        "I can't look that up for you.", 3)))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOf(FunctionCallOutput.class))
                .containsExactly(new FunctionCallOutput("call_1", "I can't look that up for you."));
    }

    @Test
    void aToolTheAgentMayNotUseIsRefusedLocallyWithoutSilence() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_9", "sms", "{}")))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).isEmpty();
        assertThat(model.receivedOf(FunctionCallOutput.class)).singleElement()
                .satisfies(out -> assertThat(out.output()).contains("not available"));
        assertThat(model.received.get(model.received.size() - 1)).isEqualTo(new ResponseCreate(null));
    }

    @Test
    void aSlowToolGetsAFillerAndATimeoutGetsAnApology() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_1", "lookup", "{}")))
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(1499)))
                .then(() -> assertThat(model.receivedOf(ResponseCreate.class)).doesNotContain(new ResponseCreate("FILLER")))
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(1)))
                .then(() -> assertThat(model.receivedOf(ResponseCreate.class)).contains(new ResponseCreate("FILLER")))
                .then(() -> model.emit(new ResponseCreated("r_filler")))
                .then(() -> model.emit(new ResponseDone("r_filler", "completed")))
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(6500)))
                .then(() -> assertThat(pending.complete(new ToolCompleted("call_1", "lookup", "ok", Map.of(), null, 9000)))
                        .as("a late reply finds nobody waiting").isFalse())
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertToldTheToolTimedOut();
        assertThat(lines()).contains("info: tool lookup slower than 1500 ms: a filler is spoken",
                "warn: tool lookup: timeout in 8000 ms");
    }

    /** The model was told that {@code call_1} did not answer and asked to apologise; the outcome says timeout. */
    private void assertToldTheToolTimedOut() {
        assertThat(model.receivedOf(FunctionCallOutput.class))
                .containsExactly(new FunctionCallOutput("call_1", "The tool did not answer in time."));
        assertThat(model.received.get(model.received.size() - 1)).isEqualTo(new ResponseCreate("APOLOGY"));
        assertThat(outcome().tools()).singleElement().satisfies(t -> assertThat(t.status()).isEqualTo("timeout"));
    }

    @Test
    void updateSessionIsHandledLocallyAndPublishedAsStateChange() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_u", "update_session",
                        "{\"intent\":\"billing_question\",\"language\":\"en\",\"bogus\":\"x\"}")))
                .then(() -> assertThat(session.view().state()).containsEntry("intent", "billing_question"))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).isEmpty();
        List<SessionStateChanged> changes = publishedOf(SessionStateChanged.class);
        assertThat(changes).as("the state at the start, then the agent's report").hasSize(2);
        assertThat(changes.get(1).state()).containsEntry("intent", "billing_question").containsEntry("language", "en")
                .doesNotContainKey("bogus");
        assertThat(model.receivedOf(FunctionCallOutput.class)).containsExactly(new FunctionCallOutput("call_u", "{\"ok\":true}"));
        assertThat(outcome().intent()).isEqualTo("billing_question");
    }

    @Test
    void losingTheModelMidCallReconnectsOnceWithTheConversationSoFar() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new InputTranscriptionCompleted("item_c1", "What is my balance?")))
                .then(() -> model.emit(new OutputAudioTranscriptDone("r1", "item_a1", "It is 42 dollars.")))
                .then(() -> model.emit(new ResponseCreated("r2")))
                .then(model::close)
                .then(() -> assertThat(model.connections()).isEqualTo(2))
                .then(() -> twilioSays(new Media(STREAM, "inbound", "1", "20", "fv7+/g==")))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        List<RealtimeClientEvent> second = model.receivedOn(1);
        assertThat(second.get(0)).isInstanceOf(SessionUpdate.class);
        assertThat(second.subList(1, 4)).containsExactly(new UserText("What is my balance?"),
                new RealtimeClientEvent.AssistantText("It is 42 dollars."),
                new ResponseCreate("The connection dropped for a moment. Apologize in a few words and continue where "
                        + "you left off."));
        assertThat(second).contains(new InputAudioAppend("fv7+/g=="));
        assertThat(modelErrors("connection_closed", "none")).isEqualTo(1);
        SessionOutcome outcome = outcome();
        assertThat(outcome.outcome()).isEqualTo(Outcome.RESOLVED);
        assertThat(publishedOf(ToolRequested.class)).isEmpty();
        assertThat(lines()).contains("warn: model session lost (the model closed its session): reconnecting with the "
                + "conversation so far");
    }

    @Test
    void aReconnectedSessionIsToldToolsResultsAndNotWhatTheCallerCutOff() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new InputTranscriptionCompleted("item_c1", "What is my balance?")))
                .then(() -> model.emit(new ResponseCreated("r1")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_1", "lookup", "{}")))
                .then(() -> model.emit(new ResponseDone("r1", "completed")))
                .then(() -> assertThat(pending.complete(new ToolCompleted("call_1", "lookup", ToolCompleted.OK,
                        Map.of("balance", 42), null, 12))).isTrue())
                // the answer is cut off by the caller; the server forgets its text, and so must a rebuilt session
                .then(() -> model.emit(new OutputAudioDelta("r2", "item_a1", HUNDRED_MS)))
                .then(() -> model.emit(new SpeechStarted("item_caller", 900)))
                .then(() -> model.emit(new OutputAudioTranscriptDone("r2", "item_a1", "Your balance is 42 dollars.")))
                .then(() -> model.emit(new InputTranscriptionCompleted("item_c2", "Sorry, go on.")))
                .then(model::close)
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        List<RealtimeClientEvent> second = model.receivedOn(1);
        assertThat(second.get(0)).isInstanceOf(SessionUpdate.class);
        assertThat(second.subList(1, 4)).containsExactly(new UserText("What is my balance?"),
                new UserText("[result of an earlier request: {\"balance\":42}]"), new UserText("Sorry, go on."));
    }

    @Test
    void aReconnectThatServedTheCallLeavesAReconnectForALaterLoss() {
        started()
                .then(model::close)
                .then(() -> assertThat(model.connections()).isEqualTo(2))
                .then(() -> model.emit(new ResponseCreated("r1")))
                .then(() -> model.emit(new ResponseDone("r1", "completed")))
                // much later, an unrelated drop: reconnected again, not handed over
                .then(model::close)
                .then(() -> assertThat(model.connections()).isEqualTo(3))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).as("no hand-over").isEmpty();
        assertThat(outcome().escalationReason()).isNull();
        assertThat(modelErrors("connection_closed", "none")).isEqualTo(2);
    }

    @Test
    void aFailedResponseIsAModelLossAndReconnectsWithTheConversationSoFar() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new InputTranscriptionCompleted("item_c1", "What is my balance?")))
                .then(() -> model.emit(new ResponseCreated("r1")))
                // a rate limit: the response ends with nothing said, and the socket stays open
                .then(() -> model.emit(new ResponseDone("r1", "failed", "rate_limit_exceeded")))
                .then(() -> assertThat(model.connections()).isEqualTo(2))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        List<RealtimeClientEvent> second = model.receivedOn(1);
        assertThat(second.get(0)).isInstanceOf(SessionUpdate.class);
        assertThat(second.subList(1, 3)).containsExactly(new UserText("What is my balance?"),
                new ResponseCreate("The connection dropped for a moment. Apologize in a few words and continue where "
                        + "you left off."));
        assertThat(model.closedByBridge).isTrue();
        assertThat(modelErrors("response_failed", "rate_limit_exceeded")).isEqualTo(1);
        assertThat(lines()).contains("warn: model session lost (a response failed: rate_limit_exceeded): "
                + "reconnecting with the conversation so far");
        assertThat(publishedOf(ToolRequested.class)).isEmpty();
    }

    @Test
    void aResponseThatFailsAgainAfterTheReconnectGetsTheFallbackClipAndAHandOver() {
        started()
                .then(() -> model.emit(new ResponseCreated("r0")))
                .then(() -> model.emit(new ResponseDone("r0", "failed", "insufficient_quota")))
                .then(() -> assertThat(model.connections()).isEqualTo(2))
                .then(() -> assertThat(model.receivedOn(1)).as("the greeting never played: asked for again")
                        .contains(new ResponseCreate("GREET: Hello, thanks for calling.")))
                .then(() -> model.emit(new ResponseCreated("r1")))
                .then(() -> model.emit(new ResponseDone("r1", "failed", "insufficient_quota")))
                .then(() -> assertThat(model.connections()).as("one reconnect, not more").isEqualTo(2))
                .then(() -> assertThat(mediaPayloads()).as("the fallback clip plays").isNotEmpty())
                .then(this::hangUp)
                .then(this::handOverDone)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        ToolRequested handover = publishedOf(ToolRequested.class).get(0);
        assertThat(handover.arguments()).containsEntry("reason", "model_unavailable");
        assertThat(outcome().outcome()).isEqualTo(Outcome.CALLBACK_CREATED);
        assertThat(outcome().escalationReason()).isEqualTo("model_unavailable");
        assertThat(modelErrors("response_failed", "insufficient_quota")).isEqualTo(2);
    }

    @Test
    void onlyACompletedResponseRestoresTheReconnectAndACancelledOneIsNoFailure() {
        started()
                .then(model::close)
                .then(() -> assertThat(model.connections()).isEqualTo(2))
                // the caller barges in on the rebuilt session's first answer: cancelled, not a failure
                .then(() -> model.emit(new ResponseCreated("r1")))
                .then(() -> model.emit(new ResponseDone("r1", "cancelled")))
                .then(() -> model.emit(new ResponseCreated("r2")))
                .then(() -> model.emit(new ResponseDone("r2", "incomplete")))
                .then(() -> assertThat(model.connections()).isEqualTo(2))
                .then(() -> assertThat(publishedOf(ToolRequested.class)).isEmpty())
                // nothing has completed since the reconnect: the rebuilt session has not shown it works
                .then(() -> model.emit(new ResponseCreated("r3")))
                .then(() -> model.emit(new ResponseDone("r3", "failed", "server_error")))
                .then(() -> assertThat(model.connections()).isEqualTo(2))
                .then(this::hangUp)
                .then(this::handOverDone)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).singleElement()
                .satisfies(r -> assertThat(r.arguments()).containsEntry("reason", "model_unavailable"));
    }

    @Test
    void aModelLostForGoodGetsTheFallbackClipThenAHandOverThroughTheToolExecutor() {
        FallbackPrompt clip = FallbackPrompt.load(BridgeProperties.Resilience.DEFAULT_FALLBACK_PROMPT);
        FallbackPrompt callback = FallbackPrompt.load(BridgeProperties.Resilience.DEFAULT_CALLBACK_PROMPT);
        started()
                .then(model::close)
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> assertThat(model.connections()).as("one reconnect, not more").isEqualTo(2))
                .then(() -> {
                    ToolRequested handover = publishedOf(ToolRequested.class).get(0);
                    assertThat(pending.complete(new ToolCompleted(handover.toolCallId(), "callback", ToolCompleted.OK,
                            Map.of("callback_id", "cb-9"), null, 5))).isTrue();
                })
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(clip.durationMs() + callback.durationMs() - 20)))
                .then(() -> assertThat(publishedOf(SessionOutcome.class)).as("the callback clip still plays").isEmpty())
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(20)))
                .then(() -> assertThat(publishedOf(SessionOutcome.class)).as("then the bridge hangs up").hasSize(1))
                .then(this::socketClosed)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(clip.durationMs()).as("the spoken clip").isBetween(4000L, 10000L);
        assertThat(callback.durationMs()).as("the spoken callback clip").isBetween(4000L, 10000L);
        List<String> both = new ArrayList<>(clip.frames());
        both.addAll(callback.frames());
        assertThat(mediaPayloads()).as("both clips, whole and in order").containsExactlyElementsOf(both);
        ToolRequested handover = publishedOf(ToolRequested.class).get(0);
        assertThat(handover.tool()).as("the agent may not transfer, so a callback").isEqualTo("callback");
        assertThat(handover.arguments()).containsEntry("reason", "model_unavailable");
        SessionOutcome outcome = outcome();
        assertThat(outcome.outcome()).isEqualTo(Outcome.CALLBACK_CREATED);
        assertThat(outcome.escalationReason()).isEqualTo("model_unavailable");
        assertThat(publishedOf(SessionEnded.class)).extracting(SessionEnded::reason).containsExactly("handover");
        assertThat(lines()).contains("warn: handing the call over to a person: model_unavailable");
    }

    @Test
    void theFallbackClipPlaysAtTwilioCadenceAndStopsWithTheCall() {
        started()
                .then(model::close)
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> assertThat(mediaPayloads()).as("the first frame at once").hasSize(1))
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(1000)))
                .then(() -> assertThat(mediaPayloads()).as("then one frame every 20 ms").hasSize(51))
                .then(this::handOverAnswered)
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        clock.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(mediaPayloads()).as("nothing after the call ended").hasSize(51);
    }

    @Test
    void aTenantsOwnClipsPlayInsteadOfTheStandardOnes() {
        var base = BridgeProperties.Resilience.defaults();
        var resilience = new BridgeProperties.Resilience(base.stallTimeout(), base.reconnectAttempts(),
                base.modelSessionLimit(), base.renewBefore(), base.fallbackPrompt(), base.handoverGrace(),
                base.maxFailedAuthentications(), base.watchdogInterval(), Map.of("demo", "audio/test-fallback.ulaw"),
                base.callbackPrompt(), Map.of("demo", "audio/test-callback.ulaw"), base.unconfirmedTransferGrace());
        session = newSession("Hello, thanks for calling.", bridge().with(BridgeProperties.Prewarm.defaults(),
                resilience, BridgeProperties.Idle.defaults()));
        started()
                .then(model::close)
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(1)))
                .then(this::handOverAnswered)
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(1)))
                .then(this::socketClosed)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        List<String> own = FallbackPrompt.load("audio/test-fallback.ulaw").frames();
        List<String> ownCallback = FallbackPrompt.load("audio/test-callback.ulaw").frames();
        assertThat(own).hasSize(3);
        assertThat(ownCallback).hasSize(2);
        List<String> both = new ArrayList<>(own);
        both.addAll(ownCallback);
        assertThat(mediaPayloads()).as("the tenant's clips: the apology, then the callback").containsExactlyElementsOf(both);
    }

    @Test
    void aTenantFallbackClipThatIsMissingFailsAtStartNotDuringACall() {
        var base = BridgeProperties.Resilience.defaults();
        var resilience = new BridgeProperties.Resilience(base.stallTimeout(), base.reconnectAttempts(),
                base.modelSessionLimit(), base.renewBefore(), base.fallbackPrompt(), base.handoverGrace(),
                base.maxFailedAuthentications(), base.watchdogInterval(), Map.of("demo", "audio/nothing-here.ulaw"),
                base.callbackPrompt(), Map.of(), base.unconfirmedTransferGrace());
        assertThatThrownBy(() -> FallbackPrompts.load(resilience)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("audio/nothing-here.ulaw");
    }

    /** The tool executor answers the hand-over the lost model caused; a stop waits for that answer. */
    private void handOverAnswered() {
        ToolRequested handover = publishedOf(ToolRequested.class).get(0);
        assertThat(pending.complete(new ToolCompleted(handover.toolCallId(), handover.tool(), ToolCompleted.OK,
                Map.of("callback_id", "cb-clip"), null, 5))).isTrue();
    }

    private List<String> mediaPayloads() {
        return toTwilio.stream().filter(Media.class::isInstance).map(m -> ((Media) m).payload()).toList();
    }

    @Test
    void aFailedHandOverFailsTheCallWithTheReasonAndAServerErrorCloseOnceTheClipHasPlayed() {
        FallbackPrompt clip = FallbackPrompt.load(BridgeProperties.Resilience.DEFAULT_FALLBACK_PROMPT);
        started()
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> {
                    ToolRequested handover = publishedOf(ToolRequested.class).get(0);
                    pending.complete(new ToolCompleted(handover.toolCallId(), "callback", ToolCompleted.FAILED, null,
                            "no queue", 5));
                })
                .then(() -> assertThat(publishedOf(SessionOutcome.class)).as("the clip plays to its end").isEmpty())
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(clip.frames().size() * 20L)))
                .then(this::socketClosed)
                .assertNext(status -> assertThat(status.getCode()).isEqualTo(1011))
                .verifyComplete();

        assertThat(mediaPayloads()).as("the apology is not cut off").containsExactlyElementsOf(clip.frames());
        SessionOutcome outcome = outcome();
        assertThat(outcome.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(outcome.escalationReason()).isEqualTo("model_unavailable");
        assertThat(outcome.summary()).contains("hand-over failed");
    }

    @Test
    void aHandOverThatTimesOutIsAskedOnceMoreWithTheSameIdBeforeItCountsAsFailed() {
        started()
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> assertThat(publishedOf(ToolRequested.class)).hasSize(1))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(8)))
                .then(() -> {
                    List<ToolRequested> requested = publishedOf(ToolRequested.class);
                    assertThat(requested).as("asked again after the timeout").hasSize(2);
                    assertThat(requested.get(1).toolCallId()).as("the same id: the executor's tools are idempotent")
                            .isEqualTo(requested.get(0).toolCallId());
                    assertThat(requested.get(1).tool()).isEqualTo("callback");
                    assertThat(pending.complete(new ToolCompleted(requested.get(1).toolCallId(), "callback",
                            ToolCompleted.OK, Map.of("callback_id", "cb-9"), null, 5))).isTrue();
                })
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(10)))
                .then(this::socketClosed)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(outcome().outcome()).isEqualTo(Outcome.CALLBACK_CREATED);
        assertThat(lines()).contains("warn: hand-over callback timed out: asking once more");
    }

    @Test
    void aHandOverThatTimesOutTwiceFails() {
        started()
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(8)))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(8)))
                .then(() -> assertThat(publishedOf(ToolRequested.class)).as("once more, not more").hasSize(2))
                .then(this::socketClosed)
                .assertNext(status -> assertThat(status.getCode()).isEqualTo(1011))
                .verifyComplete();

        assertThat(outcome().outcome()).isEqualTo(Outcome.FAILED);
        assertThat(outcome().summary()).contains("hand-over failed (callback timeout)");
    }

    @Test
    void aModelSilentForTheStallTimeoutDuringAResponseIsReconnected() {
        started()
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(14)))
                .then(() -> assertThat(model.connections()).isEqualTo(1))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(1)))
                .then(() -> assertThat(model.connections()).isEqualTo(2))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOn(1)).as("no audio was heard yet, so the greeting is asked for again")
                .contains(new ResponseCreate("GREET: Hello, thanks for calling."));
        assertThat(modelErrors("stalled", "none")).isEqualTo(1);
    }

    @Test
    void theModelSessionIsRenewedBeforeItsTimeLimitAtAQuietMoment() {
        session = newSession(null, bridge().with(BridgeProperties.Prewarm.defaults(),
                BridgeProperties.Resilience.defaults(), new BridgeProperties.Idle(Duration.ZERO, 2, "P", "G")));
        started()
                .then(() -> model.emit(new InputTranscriptionCompleted("item_c1", "Hello?")))
                .then(() -> clock.advanceTimeBy(Duration.ofMinutes(57)))
                .then(() -> assertThat(model.connections()).isEqualTo(1))
                .then(() -> clock.advanceTimeBy(Duration.ofMinutes(1)))
                .then(() -> assertThat(model.connections()).isEqualTo(2))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOn(1)).contains(new UserText("Hello?"));
        assertThat(model.receivedOn(1)).noneMatch(ResponseCreate.class::isInstance);
    }

    @Test
    void anEscalateReasonFromTheAgentStopsItAndHandsOver() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_u", "update_session",
                        "{\"escalate_reason\":\"payment dispute over limit\"}")))
                .then(() -> model.emit(new OutputAudioDelta("r1", "item_late", HUNDRED_MS)))
                .then(this::hangUp)
                .then(() -> assertThat(publishedOf(SessionOutcome.class)).as("waits for the hand-over").isEmpty())
                .then(this::handOverDone)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        ToolRequested handover = publishedOf(ToolRequested.class).get(0);
        assertThat(handover.tool()).isEqualTo("callback");
        assertThat(handover.arguments()).containsEntry("reason", "contract_limit: payment dispute over limit");
        assertThat(toTwilio).as("the stopped agent's audio is not played")
                .noneMatch(m -> m instanceof Mark mark && mark.name().startsWith("item_late"));
        assertThat(model.closedByBridge).isTrue();
        assertThat(outcome().escalationReason()).isEqualTo("contract_limit: payment dispute over limit");
        assertThat(outcome().outcome()).as("Twilio stopped the stream before the tool executor's reply came; the "
                + "hand-over's result still decides").isEqualTo(Outcome.CALLBACK_CREATED);
        assertThat(publishedOf(SessionEnded.class)).extracting(SessionEnded::reason).containsExactly("handover");
    }

    @Test
    void repeatedFailedAuthenticationsHandOver() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> {
                    // three attempts: each time the caller claims an identity again and the check fails
                    for (int i = 1; i <= 3; i++) {
                        agentReports("call_c" + i, "{\"caller_identity\":\"claimed\"}");
                        agentReports("call_f" + i, "{\"caller_identity\":\"failed\"}");
                    }
                })
                .then(this::hangUp)
                .then(this::handOverDone)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).singleElement()
                .satisfies(r -> assertThat(r.arguments()).containsEntry("reason", "authentication_failed"));
    }

    @Test
    void anAgentThatResendsAFailedIdentityWithEveryReportHasFailedOnceNotEachTime() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> {
                    agentReports("call_1", "{\"caller_identity\":\"failed\"}");
                    agentReports("call_2", "{\"caller_identity\":\"failed\",\"intent\":\"billing_question\"}");
                    agentReports("call_3", "{\"caller_identity\":\"failed\",\"intent\":\"billing_question\","
                            + "\"current_task\":\"explaining the bill\"}");
                })
                .then(() -> assertThat(publishedOf(ToolRequested.class)).as("no hand-over").isEmpty())
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOf(FunctionCallOutput.class)).extracting(FunctionCallOutput::output)
                .containsExactly("{\"ok\":true}", "{\"ok\":true}", "{\"ok\":true}");
        assertThat(outcome().escalationReason()).isNull();
    }

    @Test
    void aModelsReportOfAVerifiedCallerDoesNotAuthenticateTheNextToolRequest() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                // "I already verified, read me account 4417": the model believes it and says so
                .then(() -> agentReports("call_u", "{\"caller_identity\":\"verified\"}"))
                .then(() -> assertThat(session.view().state()).as("kept as the model's claim")
                        .containsEntry("caller_identity", "claimed"))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_1", "lookup",
                        "{\"account_number\":\"4417\"}")))
                .then(() -> pending.complete(new ToolCompleted("call_1", "lookup", ToolCompleted.DENIED, null,
                        "I can't share that until I've verified your identity.", 3)))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).singleElement()
                .satisfies(r -> assertThat(r.callerAuthenticated()).isFalse());
    }

    @Test
    void aLookupResultThatVerifiedTheCallersPinAuthenticatesTheRestOfTheCall() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f1", "call_1", "lookup",
                        "{\"account_number\":\"4417\",\"pin\":\"2468\"}")))
                .then(() -> pending.complete(new ToolCompleted("call_1", "lookup", ToolCompleted.OK,
                        Map.of("found", true, "account_number", "4417", "status", "active", "verified", true), null,
                        3)))
                .then(() -> assertThat(session.view().state()).containsEntry("caller_identity", "verified"))
                // the model's later reports do not take the verification back
                .then(() -> agentReports("call_u", "{\"caller_identity\":\"unknown\"}"))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r2", "item_f2", "call_2", "lookup",
                        "{\"account_number\":\"5005\"}")))
                .then(() -> pending.complete(new ToolCompleted("call_2", "lookup", ToolCompleted.OK,
                        Map.of("found", true, "account_number", "5005", "status", "active"), null, 3)))
                .then(() -> assertThat(session.view().state()).containsEntry("caller_identity", "verified"))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).extracting(ToolRequested::callerAuthenticated)
                .as("the PIN check itself is unauthenticated; what follows it is authenticated")
                .containsExactly(false, true);
        assertThat(publishedOf(ToolRequested.class)).extracting(ToolRequested::verifiedAccount)
                .as("for the account the PIN proved, not any other").containsExactly(null, "4417");
    }

    @Test
    void aPinTheCallerSaidIsMaskedInThePublishedAndStoredTranscript() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                // the caller's words are transcribed before the model's lookup uses them
                .then(() -> model.emit(new SpeechStopped("item_c1", 2000)))
                .then(() -> model.emit(new InputTranscriptionCompleted("item_c1",
                        "Account 4417, my PIN is two four six eight")))
                .then(() -> assertThat(publishedOf(TranscriptTurn.class)).as("held for the response").isEmpty())
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f1", "call_1", "lookup",
                        "{\"account_number\":\"4417\",\"pin\":\"2468\"}")))
                .then(() -> model.emit(new ResponseDone("r1", "completed")))
                .then(() -> assertThat(publishedOf(TranscriptTurn.class)).as("the agent's turn goes on after the tool")
                        .isEmpty())
                .then(() -> pending.complete(new ToolCompleted("call_1", "lookup", ToolCompleted.OK,
                        Map.of("found", true, "account_number", "4417", "status", "active", "verified", true), null,
                        3)))
                // the agent repeats it in its answer, which ends its turn
                .then(() -> model.emit(new OutputAudioTranscriptDone("r2", "item_a1", "Thanks, 2468 is right.")))
                .then(() -> model.emit(new ResponseDone("r2", "completed")))
                .then(() -> assertThat(publishedOf(TranscriptTurn.class)).extracting(TranscriptTurn::text)
                        .containsExactly("Account 4417, my PIN is [pin]", "Thanks, [pin] is right."))
                // the caller says it again, and no response follows
                .then(() -> model.emit(new InputTranscriptionCompleted("item_c2", "Yes, 2 4 6 8.")))
                .then(() -> clock.advanceTimeBy(VoiceSession.TRANSCRIPT_HOLD.plusSeconds(1)))
                .then(() -> assertThat(publishedOf(TranscriptTurn.class)).as("a turn no response follows is not held "
                        + "for ever").hasSize(3))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        List<String> masked = List.of("Account 4417, my PIN is [pin]", "Thanks, [pin] is right.", "Yes, [pin].");
        assertThat(publishedOf(TranscriptTurn.class)).extracting(TranscriptTurn::text).containsExactlyElementsOf(masked);
        assertThat(publishedOf(TranscriptTurn.class)).extracting(TranscriptTurn::turnIndex).containsExactly(0, 1, 2);
        assertThat(records).last().satisfies(record -> assertThat(record.transcript())
                .extracting(VoiceSessionRecord.Turn::text).containsExactlyElementsOf(masked));
    }

    @Test
    void aPinTheAgentSaysBeforeItsLookupOrWritesForPeopleIsMaskedToo() {
        session = contractSession(null, List.of("lookup", "escalation"), null);
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                // the agent repeats the PIN before it calls the lookup, and before the caller's words are transcribed
                .then(() -> model.emit(new OutputAudioTranscriptDone("r1", "item_a1", "Let me check 2-4-6-8.")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f1", "call_1", "lookup",
                        "{\"account_number\":\"4417\",\"pin\":\"2468\"}")))
                .then(() -> model.emit(new ResponseDone("r1", "completed")))
                .then(() -> pending.complete(new ToolCompleted("call_1", "lookup", ToolCompleted.OK,
                        Map.of("found", true, "account_number", "4417", "status", "active", "verified", true), null,
                        3)))
                .then(() -> agentReports("call_u", "{\"current_task\":\"verified PIN 2468\"}"))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r2", "item_f2", "call_2", "escalation",
                        "{\"reason\":\"dispute\",\"summary\":\"Verified with PIN 2468, disputes a fee\"}")))
                .then(this::hangUp)
                .then(() -> pending.complete(new ToolCompleted("call_2", "escalation", ToolCompleted.OK,
                        Map.of("outcome", "transferred"), null, 40)))
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(TranscriptTurn.class)).extracting(TranscriptTurn::text)
                .containsExactly("Let me check [pin].");
        assertThat(publishedOf(ToolRequested.class)).extracting(ToolRequested::tool)
                .containsExactly("lookup", "escalation");
        ToolRequested escalation = publishedOf(ToolRequested.class).get(1);
        assertThat(escalation.arguments()).containsEntry("summary", "Verified with PIN [pin], disputes a fee");
        assertThat(publishedOf(SessionStateChanged.class)).extracting(SessionStateChanged::state)
                .noneMatch(state -> state.toString().contains("2468"));
        assertThat(records).last().satisfies(record -> assertThat(record.functionCalls().toString())
                .doesNotContain("2468"));
    }

    @Test
    void wrongPinsHandOverAtTheLimitWhateverTheModelReports() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> {
                    // the model never reports a failed identity: the tool executor's answers are what count
                    for (int i = 1; i <= 3; i++) {
                        model.emit(new FunctionCallArgumentsDone("r" + i, "item_f" + i, "call_" + i, "lookup",
                                "{\"account_number\":\"4417\",\"pin\":\"000" + i + "\"}"));
                        pending.complete(new ToolCompleted("call_" + i, "lookup", ToolCompleted.DENIED,
                                Map.of("verified", false), "I can't share that until I've verified your identity.", 3));
                    }
                })
                .then(this::hangUp)
                .then(this::handOverDone)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).extracting(ToolRequested::tool)
                .containsExactly("lookup", "lookup", "lookup", "callback");
        assertThat(publishedOf(ToolRequested.class).get(3).arguments())
                .containsEntry("reason", "authentication_failed");
        assertThat(model.receivedOf(FunctionCallOutput.class)).as("the first two refusals reach the model").hasSize(2);
        assertThat(outcome().escalationReason()).isEqualTo("authentication_failed");
    }

    @Test
    void aToolResultThatRequiresAHandOverStopsTheAgent() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_1", "lookup", "{}")))
                .then(() -> pending.complete(new ToolCompleted("call_1", "lookup", ToolCompleted.OK,
                        Map.of("requires_handover", true, "handover_reason", "account locked"), null, 3)))
                .then(this::hangUp)
                .then(this::handOverDone)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).extracting(ToolRequested::tool).containsExactly("lookup", "callback");
        assertThat(publishedOf(ToolRequested.class).get(1).arguments())
                .containsEntry("reason", "requires_handover: account locked");
        assertThat(model.receivedOf(FunctionCallOutput.class)).isEmpty();
    }

    @Test
    void anIdleCallerIsPromptedThenTheBridgeHangsUp() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new InputTranscriptionCompleted("item_c1", "Hi")))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(10)))
                .then(() -> assertThat(model.receivedOf(ResponseCreate.class)).last().extracting(ResponseCreate::instructions)
                        .asString().contains("still there"))
                .then(() -> model.emit(new ResponseCreated("p1")))
                .then(() -> model.emit(new ResponseDone("p1", "completed")))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(10)))
                .then(() -> model.emit(new ResponseCreated("p2")))
                .then(() -> model.emit(new ResponseDone("p2", "completed")))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(10)))
                .then(() -> assertThat(model.receivedOf(ResponseCreate.class)).last().extracting(ResponseCreate::instructions)
                        .asString().contains("goodbye"))
                .then(() -> model.emit(new ResponseCreated("g")))
                .then(() -> model.emit(new ResponseDone("g", "completed")))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(1)))
                .then(this::socketClosed)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(SessionEnded.class)).extracting(SessionEnded::reason).containsExactly("idle");
        assertThat(outcome().outcome()).isEqualTo(Outcome.ABANDONED);
    }

    @Test
    void theRuntimeConfigsSilenceLimitsPromptOnceAfterItsTimeoutThenHangUpAfterTheNext() {
        session = limitedSession(new TenantConfigPublished.CallLimits(null, null, 3, 1),
                TenantConfigPublished.TenantLimits.NONE);
        started()
                .then(() -> model.emit(new InputTranscriptionCompleted("item_c1", "Hi")))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(2)))
                .then(() -> assertThat(model.receivedOf(ResponseCreate.class)).as("not silent for 3 s yet").isEmpty())
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(1)))
                .then(() -> assertThat(model.receivedOf(ResponseCreate.class)).singleElement()
                        .isEqualTo(new ResponseCreate(BridgeProperties.Idle.defaults().promptInstructions())))
                .then(() -> model.emit(new ResponseCreated("p1")))
                .then(() -> model.emit(new ResponseDone("p1", "completed")))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(3)))
                .then(() -> assertThat(model.receivedOf(ResponseCreate.class)).as("one prompt, then the goodbye")
                        .extracting(ResponseCreate::instructions)
                        .containsExactly(BridgeProperties.Idle.defaults().promptInstructions(),
                                BridgeProperties.Idle.defaults().goodbyeInstructions()))
                .then(() -> model.emit(new ResponseCreated("g")))
                .then(() -> model.emit(new ResponseDone("g", "completed")))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(1)))
                .then(this::socketClosed)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(SessionEnded.class)).extracting(SessionEnded::reason).containsExactly("idle");
        assertThat(publishedOf(SessionEnded.class).get(0).durationMs()).isEqualTo(7_000);
        assertThat(outcome().outcome()).isEqualTo(Outcome.ABANDONED);
    }

    @Test
    void aCallThatLastsItsMaximumDurationGetsAGoodbyeAndEndsWithTheDurationAsItsReason() {
        // the tenant's own limit is the stricter one; silence prompts are pushed out of the way
        session = limitedSession(new TenantConfigPublished.CallLimits(300, null, 600, null),
                new TenantConfigPublished.TenantLimits(null, null, 60));
        goodbyeHeardThenClosed(started()
                .then(() -> model.emit(new InputTranscriptionCompleted("item_c1", "I have a long question")))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(59)))
                .then(() -> assertThat(model.receivedOf(ResponseCreate.class)).isEmpty())
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(1)))
                .then(() -> assertThat(model.receivedOf(ResponseCreate.class)).singleElement()
                        .isEqualTo(new ResponseCreate(VoiceSession.DURATION_GOODBYE_INSTRUCTIONS))))
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).as("nothing is started during the goodbye").isEmpty();
        assertThat(publishedOf(SessionEnded.class)).singleElement().satisfies(ended -> {
            assertThat(ended.reason()).isEqualTo("max_call_duration");
            assertThat(ended.durationMs()).isEqualTo(63_000);
        });
        SessionOutcome outcome = outcome();
        assertThat(outcome.outcome()).isEqualTo(Outcome.ABANDONED);
        assertThat(outcome.summary()).endsWith("; ended: max_call_duration of 60 s reached");
        assertThat(lines()).contains("warn: the call reached its maximum duration of 60 s: the agent says goodbye");
    }

    @Test
    void toolCallsPastTheCallsLimitAreRefusedWithASpeakableReasonAndNeverRequested() {
        session = limitedSession(new TenantConfigPublished.CallLimits(null, 2, null, null),
                TenantConfigPublished.TenantLimits.NONE);
        started()
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_1", "call_1", "lookup", "{}")))
                .then(() -> pending.complete(new ToolCompleted("call_1", "lookup", ToolCompleted.OK, Map.of(), null, 3)))
                .then(() -> agentReports("call_u", "{\"intent\":\"billing_question\"}"))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r2", "item_2", "call_2", "lookup", "{}")))
                .then(() -> pending.complete(new ToolCompleted("call_2", "lookup", ToolCompleted.OK, Map.of(), null, 3)))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r3", "item_3", "call_3", "lookup", "{}")))
                .then(() -> assertThat(model.receivedOf(FunctionCallOutput.class)).last().satisfies(out -> {
                    assertThat(out.callId()).isEqualTo("call_3");
                    assertThat(out.output()).contains("all 2 tool calls").contains("offer to pass them to a colleague");
                }))
                // the tools that reach a person are never refused
                .then(() -> model.emit(new FunctionCallArgumentsDone("r4", "item_4", "call_4", "escalation",
                        "{\"reason\":\"caller asks for a person\"}")))
                .then(this::hangUp)
                .then(() -> pending.complete(new ToolCompleted("call_4", "escalation", ToolCompleted.OK, Map.of(), null, 3)))
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).extracting(ToolRequested::toolCallId)
                .containsExactly("call_1", "call_2", "call_4");
        assertThat(outcome().tools()).filteredOn(t -> t.toolCallId().equals("call_3")).singleElement()
                .satisfies(t -> assertThat(t.status()).isEqualTo(ToolCompleted.DENIED));
        assertThat(lines()).contains("warn: tool lookup refused: the call's limit of 2 tool calls is reached");
    }

    /** A session whose version names intents: billing_question may look up and escalate, dispute must be transferred. */
    private VoiceSession intentSession(List<String> disputeTools) {
        var intents = List.of(
                new TenantConfigPublished.IntentView("billing_question", "resolvable", List.of("lookup", "escalation"), null),
                new TenantConfigPublished.IntentView("dispute", "must_transfer", disputeTools, "billing_desk"));
        var tools = List.of("lookup", "escalation", "callback");
        var version = new TenantConfigPublished.VersionView("agv-1", tools, intents,
                List.of(new TenantConfigPublished.HandoffTarget("billing_desk", "+15555550199")), null, null, null,
                List.of(), null);
        return newSession(null, bridge(), null, new AgentView("support", "agv-1", tools, null, List.of(version),
                TenantConfigPublished.Rollout.NONE));
    }

    @Test
    void aMustTransferIntentTheAgentReportsIsHandedOverAtOnceToItsTarget() {
        session = intentSession(List.of("escalation"));
        started()
                .then(() -> agentReports("call_i1", "{\"intent\":\"billing_question\"}"))
                .then(() -> assertThat(publishedOf(ToolRequested.class)).isEmpty())
                .then(() -> agentReports("call_i2", "{\"intent\":\"dispute\"}"))
                .then(this::hangUp)
                .then(this::handOverDone)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        SessionUpdate update = model.receivedOf(SessionUpdate.class).get(0);
        FunctionTool updateSession = update.tools().stream().filter(t -> t.name().equals("update_session"))
                .findFirst().orElseThrow();
        assertThat(updateSession.parameters().get("properties")).asString()
                .contains("enum=[billing_question, dispute]");
        assertThat(publishedOf(ToolRequested.class)).singleElement().satisfies(handover -> {
            assertThat(handover.tool()).isEqualTo("escalation");
            assertThat(handover.intent()).isEqualTo("dispute");
            assertThat(handover.arguments()).containsEntry("reason", "must_transfer: dispute")
                    .containsEntry("handoff_target", "billing_desk").containsEntry("handoff_number", "+15555550199");
        });
        assertThat(model.receivedOf(FunctionCallOutput.class)).as("the agent is stopped, not told to go on")
                .containsExactly(new FunctionCallOutput("call_i1", "{\"ok\":true}"));
        assertThat(outcome().outcome()).isEqualTo(Outcome.TRANSFERRED);
        assertThat(outcome().escalationReason()).isEqualTo("must_transfer: dispute");
    }

    @Test
    void aMustTransferIntentWhoseToolsAllowOnlyACallbackIsHandedOverByCallback() {
        // the tool executor narrows the call's tools to its intent's: an escalation would be denied
        session = intentSession(List.of("callback"));
        started()
                .then(() -> agentReports("call_i", "{\"intent\":\"dispute\"}"))
                .then(this::hangUp)
                .then(this::handOverDone)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).singleElement().satisfies(handover -> {
            assertThat(handover.tool()).isEqualTo("callback");
            assertThat(handover.arguments()).containsEntry("reason", "must_transfer: dispute");
        });
        assertThat(outcome().outcome()).isEqualTo(Outcome.CALLBACK_CREATED);
    }

    private void agentReports(String callId, String json) {
        model.emit(new FunctionCallArgumentsDone("r_" + callId, "item_" + callId, callId, "update_session", json));
    }

    @Test
    void policyViolationsAreRemindedThenHandedOverAtTheContractsLimit() {
        session = contractSession(new TenantConfigPublished.HandoffLimits(2, null, null, null, null),
                List.of("lookup", "escalation", "callback"), null);
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> agentReports("call_p1", "{\"policy_violation\":\"asked for another customer's address\"}"))
                .then(() -> assertThat(model.receivedOf(FunctionCallOutput.class)).singleElement()
                        .satisfies(out -> assertThat(out.output()).contains(ContractGuard.POLICY_REMINDER)))
                .then(() -> assertThat(publishedOf(ToolRequested.class)).isEmpty())
                .then(() -> agentReports("call_p2", "{\"policy_violation\":\"asked again\"}"))
                .then(this::hangUp)
                .then(this::handOverDone)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        ToolRequested handover = publishedOf(ToolRequested.class).get(0);
        assertThat(handover.tool()).as("the agent may transfer").isEqualTo("escalation");
        assertThat(handover.arguments()).containsEntry("reason", "policy_violations");
        assertThat(outcome().escalationReason()).isEqualTo("policy_violations");
        assertThat(outcome().outcome()).isEqualTo(Outcome.TRANSFERRED);
    }

    @Test
    void aPaymentTheContractSendsToACallbackIsHandedOverByCallbackThoughTransferIsAllowed() {
        session = contractSession(new TenantConfigPublished.HandoffLimits(null, null, "callback", null, null),
                List.of("lookup", "escalation", "callback"), null);
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> agentReports("call_pay", "{\"sensitive_topic\":\"payment\",\"intent\":\"pay_bill\"}"))
                .then(this::hangUp)
                .then(this::handOverDone)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).singleElement().satisfies(r -> {
            assertThat(r.tool()).isEqualTo("callback");
            assertThat(r.arguments()).containsEntry("reason", "payment");
        });
        assertThat(outcome().outcome()).isEqualTo(Outcome.CALLBACK_CREATED);
        assertThat(outcome().intent()).isEqualTo("pay_bill");
    }

    @Test
    void lowConfidenceUnderTheContractsThresholdHandsOver() {
        session = contractSession(new TenantConfigPublished.HandoffLimits(null, null, null, null, 0.6),
                List.of("lookup", "callback"), null);
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> agentReports("call_c1", "{\"confidence\":0.8}"))
                .then(() -> model.emit(new ResponseDone("r_call_c1", "completed")))
                .then(() -> assertThat(publishedOf(ToolRequested.class)).isEmpty())
                .then(() -> agentReports("call_c2", "{\"confidence\":0.3}"))
                .then(this::hangUp)
                .then(this::handOverDone)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOf(FunctionCallOutput.class)).containsExactly(new FunctionCallOutput("call_c1", "{\"ok\":true}"));
        assertThat(publishedOf(ToolRequested.class)).singleElement()
                .satisfies(r -> assertThat(r.arguments()).containsEntry("reason", "low_confidence"));
        assertThat(outcome().escalationReason()).isEqualTo("low_confidence");
    }

    @Test
    void aSafetyConcernTheContractEndsGetsAGoodbyeThenTheBridgeHangsUp() {
        session = contractSession(new TenantConfigPublished.HandoffLimits(null, null, null, "end_call", null),
                List.of("lookup", "escalation"), null);
        goodbyeHeardThenClosed(started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new InputTranscriptionCompleted("item_c1", "Something bad is happening")))
                .then(() -> agentReports("call_s", "{\"sensitive_topic\":\"safety\"}"))
                .then(() -> assertThat(model.receivedOf(ResponseCreate.class)).last()
                        .isEqualTo(new ResponseCreate(VoiceSession.CLOSING_INSTRUCTIONS))))
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).as("nothing is started during the goodbye").isEmpty();
        assertThat(publishedOf(SessionEnded.class)).extracting(SessionEnded::reason).containsExactly("contract_safety");
        SessionOutcome outcome = outcome();
        assertThat(outcome.outcome()).isEqualTo(Outcome.ABANDONED);
        assertThat(outcome.escalationReason()).isEqualTo("safety");
        assertThat(lines()).contains("warn: the call is ended by the agent's contract: a safety concern; the contract ends the call");
    }

    /** The name of the mark the bridge sent after the chunk of {@code itemId}. */
    private String markOf(String itemId) {
        return toTwilio.stream().filter(m -> m instanceof Mark mark && mark.name().startsWith(itemId))
                .map(m -> ((Mark) m).name()).findFirst().orElseThrow();
    }

    @Test
    void aToolTimeoutWithAContractFallbackApologisesWithTheClipAndTransfers() {
        session = contractSession(null, List.of("lookup", "escalation"), "+15555550199");
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_1", "lookup", "{}")))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(8)))
                .then(this::hangUp)
                .then(this::handOverDone)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).extracting(ToolRequested::tool).containsExactly("lookup", "escalation");
        assertThat(publishedOf(ToolRequested.class).get(1).arguments()).containsEntry("reason", "tool_timeout: lookup");
        assertThat(model.receivedOf(ResponseCreate.class)).as("no model apology: the clip apologises")
                .doesNotContain(new ResponseCreate("APOLOGY"));
        assertThat(mediaPayloads()).as("the fallback clip plays")
                .startsWith(FallbackPrompt.load(BridgeProperties.Resilience.DEFAULT_FALLBACK_PROMPT).frames().get(0));
        assertThat(outcome().outcome()).isEqualTo(Outcome.TRANSFERRED);
        assertThat(outcome().escalationReason()).isEqualTo("tool_timeout: lookup");
    }

    @Test
    void toolResultsAndReportsFillTheAgentState() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> agentReports("call_u", "{\"route\":\"self_service\",\"current_task\":\"finding the account\"}"))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_1", "lookup",
                        "{\"account_number\":\"ACC-1001\"}")))
                .then(() -> pending.complete(new ToolCompleted("call_1", "lookup", ToolCompleted.OK,
                        Map.of("found", true, "account_number", "ACC-1001", "name", "Ada", "balance", "12.50",
                                "status", "active"), null, 3)))
                .then(() -> assertThat(session.view().state()).containsEntry("account_context", "account ACC-1001, active")
                        .containsEntry("route", "self_service").containsEntry("current_task", "finding the account"))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        List<SessionStateChanged> changes = publishedOf(SessionStateChanged.class);
        assertThat(changes).hasSize(3);
        assertThat(changes.get(2).state()).as("no balance or name in the published state")
                .containsOnlyKeys("caller_identity", "consent_state", "language", "route", "current_task",
                        "account_context");
    }

    @Test
    void theStateStartsWithWhatIsKnownWhenTheCallIsAnswered() {
        started()
                .then(() -> assertThat(session.view().state()).containsEntry("caller_identity", "unknown")
                        .containsEntry("consent_state", "not_asked").containsEntry("route", "agent:support")
                        .containsEntry("current_task", "greeting"))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(SessionStateChanged.class)).first()
                .satisfies(s -> assertThat(s.state()).containsEntry("caller_identity", "unknown"));
    }

    /** A session whose agent may press keys. */
    private VoiceSession keypadSession() {
        return contractSession(null, List.of("lookup", "send_dtmf"), null);
    }

    /** What a phone menu hears in the media sent to Twilio. */
    private String keysHeard(List<TwilioStreamMessage> messages) {
        DtmfDetector detector = new DtmfDetector();
        messages.stream().filter(Media.class::isInstance)
                .forEach(m -> detector.accept(Base64.getDecoder().decode(((Media) m).payload())));
        return detector.heard();
    }

    @Test
    void theAgentPressesKeysAsTonesAfterItsWordsAndLearnsOnceTheyHavePlayed() {
        session = keypadSession();
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new ResponseCreated("r1")))
                .then(() -> model.emit(new OutputAudioDelta("r1", "item_1", HUNDRED_MS)))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_k", "send_dtmf",
                        "{\"digits\":\"1 2#\"}")))
                .then(() -> model.emit(new ResponseDone("r1", "completed")))
                .then(() -> twilioSays(new Mark(STREAM, "item_1:100")))
                .then(() -> twilioSays(new Mark(STREAM, "keys-1:200")))
                .then(() -> twilioSays(new Mark(STREAM, "keys-1:400")))
                .then(() -> assertThat(model.receivedOf(FunctionCallOutput.class)).as("not before the last key played").isEmpty())
                .then(() -> twilioSays(new Mark(STREAM, "keys-1:600")))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOf(SessionUpdate.class).get(0).tools()).extracting(FunctionTool::name).contains("send_dtmf");
        assertThat(toTwilio).as("the words, then a tone chunk and a mark per key")
                .filteredOn(m -> m instanceof Mark).extracting(m -> ((Mark) m).name())
                .containsExactly("item_1:100", "keys-1:200", "keys-1:400", "keys-1:600");
        assertThat(toTwilio.get(0)).isEqualTo(Media.outbound(STREAM, HUNDRED_MS));
        assertThat(keysHeard(toTwilio)).isEqualTo("12#");
        assertThat(model.receivedOf(FunctionCallOutput.class)).containsExactly(
                new FunctionCallOutput("call_k", "{\"ok\":true,\"keys_pressed\":3,\"played\":true}"));
        assertThat(model.receivedOf(ResponseCreate.class)).as("the far end answers a key press, not the agent")
                .isEmpty();
        assertThat(publishedOf(ToolRequested.class)).as("keys never go to the tool executor").isEmpty();
        assertThat(outcome().tools()).extracting(SessionOutcome.ToolSummary::tool, SessionOutcome.ToolSummary::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("send_dtmf", "ok"));
        assertThat(lines()).contains("info: agent pressing 3 keypad keys", "info: tool send_dtmf: ok in 0 ms");
    }

    @Test
    void speechDoesNotCutKeysOffButABargeInOnTheWordsBeforeThemPlaysThemAfterTheClear() {
        session = keypadSession();
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new OutputAudioDelta("r1", "item_1", HUNDRED_MS)))
                .then(() -> model.emit(new OutputAudioDelta("r1", "item_1", HUNDRED_MS)))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_k", "send_dtmf",
                        "{\"digits\":\"9\"}")))
                .then(() -> model.emit(new ResponseDone("r1", "completed")))
                .then(() -> twilioSays(new Mark(STREAM, "item_1:100")))
                // the far end speaks over the agent's words: they are cut, the key is queued again after the clear
                .then(() -> model.emit(new SpeechStarted("item_c1", 900)))
                .then(() -> twilioSays(new Mark(STREAM, "item_1:200")))
                .then(() -> twilioSays(new Mark(STREAM, "keys-1:200")))
                .then(() -> assertThat(model.receivedOf(FunctionCallOutput.class)).as("a cleared key did not play").isEmpty())
                // and speaks again while the key plays: a key press is not interrupted
                .then(() -> model.emit(new SpeechStarted("item_c2", 1900)))
                .then(() -> twilioSays(new Mark(STREAM, "keys-2:200")))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOf(ItemTruncate.class)).containsExactly(new ItemTruncate("item_1", 0, 100));
        assertThat(toTwilio).filteredOn(Clear.class::isInstance).hasSize(1);
        List<TwilioStreamMessage> afterClear = toTwilio.subList(toTwilio.indexOf(new Clear(STREAM)), toTwilio.size());
        assertThat(keysHeard(afterClear)).isEqualTo("9");
        assertThat(afterClear).last().isEqualTo(new Mark(STREAM, "keys-2:200"));
        assertThat(model.receivedOf(FunctionCallOutput.class)).extracting(FunctionCallOutput::output)
                .containsExactly("{\"ok\":true,\"keys_pressed\":1,\"played\":true}");
    }

    @Test
    void keysThatAreNotOnAKeypadOrComeWhileOthersPlayAreRefusedWithAReason() {
        session = keypadSession();
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_x", "send_dtmf",
                        "{\"digits\":\"12x\"}")))
                .then(() -> model.emit(new ResponseDone("r1", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r2", "item_g", "call_1", "send_dtmf",
                        "{\"digits\":\"1\"}")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r2", "item_h", "call_2", "send_dtmf",
                        "{\"digits\":\"2\"}")))
                .then(() -> model.emit(new ResponseDone("r2", "completed")))
                .then(() -> twilioSays(new Mark(STREAM, "keys-1:200")))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOf(FunctionCallOutput.class)).extracting(FunctionCallOutput::callId,
                FunctionCallOutput::output).containsExactly(
                org.assertj.core.groups.Tuple.tuple("call_x", "{\"ok\":false,\"reason\":\"'x' is not a key on a phone "
                        + "keypad; use 0-9, *, #, A-D, or w to wait half a second.\"}"),
                org.assertj.core.groups.Tuple.tuple("call_2", "{\"ok\":false,\"reason\":\"The previous keys are still "
                        + "being pressed; wait for their result.\"}"),
                org.assertj.core.groups.Tuple.tuple("call_1", "{\"ok\":true,\"keys_pressed\":1,\"played\":true}"));
        assertThat(keysHeard(toTwilio)).isEqualTo("1");
        assertThat(outcome().tools()).extracting(SessionOutcome.ToolSummary::status).containsExactly("failed", "failed", "ok");
    }

    @Test
    void anAgentWhoseContractDoesNotAllowKeysCannotPressThem() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_d", "send_dtmf",
                        "{\"digits\":\"1234\"}")))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOf(SessionUpdate.class).get(0).tools()).extracting(FunctionTool::name)
                .doesNotContain("send_dtmf");
        assertThat(model.receivedOf(FunctionCallOutput.class)).singleElement()
                .satisfies(out -> assertThat(out.output()).isEqualTo("The tool 'send_dtmf' is not available to this agent."));
        assertThat(mediaPayloads()).isEmpty();
    }

    @Test
    void keysWhoseMarksNeverComeBackAreAnsweredOnceTheyCannotStillBePlaying() {
        session = keypadSession();
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_k", "send_dtmf",
                        "{\"digits\":\"w5\"}")))
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(8600)))
                .then(() -> assertThat(model.receivedOf(FunctionCallOutput.class)).isEmpty())
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(200)))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOf(FunctionCallOutput.class)).extracting(FunctionCallOutput::output)
                .containsExactly("{\"ok\":true,\"keys_pressed\":1,\"played\":false}");
    }

    @Test
    void aPrewarmedModelSessionIsTakenOverAndTheGreetingIsAskedForAtOnce() {
        var prewarmed = dev.voiceagent.bridge.realtime.ModelConnection.open(model, "gpt-realtime", 0, 250, d -> { });
        prewarmed.configure(new SessionUpdate("gpt-realtime", "pre", "marin", "t", "en", List.of()));
        ModelLinks links = new ModelLinks() {
            @Override
            public java.util.Optional<dev.voiceagent.bridge.realtime.ModelConnection> takePrewarmed(CallContext call,
                                                                                                    String m) {
                return java.util.Optional.of(prewarmed);
            }

            @Override
            public dev.voiceagent.bridge.realtime.ModelConnection open(String m) {
                throw new AssertionError("no new connection expected");
            }
        };
        session = newSession("Hello, thanks for calling.", bridge(), links);
        started().then(this::hangUp).expectNext(CloseStatus.NORMAL).verifyComplete();

        assertThat(model.connections()).isEqualTo(1);
        assertThat(model.receivedOf(SessionUpdate.class)).as("configured once, at prewarm time").hasSize(1);
        assertThat(model.receivedOf(ResponseCreate.class)).containsExactly(new ResponseCreate("GREET: Hello, thanks for calling."));
    }

    @Test
    void theTwilioSocketClosingEndsTheSessionWithExactlyOneOutcome() {
        session.toTwilio().subscribe(toTwilio::add);
        StepVerifier.create(session.run(twilio.asFlux()))
                .then(() -> twilioSays(new Start(STREAM, "AC1", CALL, List.of("inbound"), Map.of(), "audio/x-mulaw", 8000, 1)))
                .then(() -> twilio.tryEmitComplete())
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();
        assertThat(publishedOf(SessionOutcome.class)).hasSize(1);
        assertThat(publishedOf(SessionEnded.class)).extracting(SessionEnded::reason).containsExactly("twilio_closed");
    }

    @Test
    void aStartForAnotherCallIsAPolicyViolation() {
        session.toTwilio().subscribe(toTwilio::add);
        StepVerifier.create(session.run(twilio.asFlux()))
                .then(() -> twilioSays(new Start(STREAM, "AC1", "CA-other", List.of(), Map.of(), "audio/x-mulaw", 8000, 1)))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(5)))
                .assertNext(status -> assertThat(status.getCode()).isEqualTo(1008))
                .verifyComplete();
        assertThat(model.model).as("no model session was opened").isNull();
    }

    @Test
    void noStartWithinTheDeadlineEndsTheSession() {
        StepVerifier.create(session.run(twilio.asFlux()))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(10)))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(5)))
                .assertNext(status -> assertThat(status.getCode()).isEqualTo(1008))
                .verifyComplete();
    }

    @Test
    void theSessionEndsBeforeItsLastEventsArePublishedSoABrokerOutageHoldsNoSlot() {
        failingSends.set(Integer.MAX_VALUE);
        session.toTwilio().subscribe(toTwilio::add);
        var run = session.run(twilio.asFlux()).subscribe();
        twilioSays(new Start(STREAM, "AC1", CALL, List.of("inbound"), Map.of(), "audio/x-mulaw", 8000, 1));
        hangUp();

        StepVerifier.create(session.ended()).expectComplete().verify(Duration.ofSeconds(5));
        assertThat(session.phase()).isEqualTo(VoiceSession.Phase.ENDED);
        assertThat(publishedOf(SessionOutcome.class)).as("the broker is still away").isEmpty();

        failingSends.set(0);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> publishedOf(SessionOutcome.class).size() == 1);
        run.dispose();
    }

    @Test
    void aToolTheExecutorTimedOutGetsTheApologyAsOneTheBridgeTimedOutDoes() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_1", "lookup", "{}")))
                .then(() -> assertThat(pending.complete(new ToolCompleted("call_1", "lookup", ToolCompleted.TIMEOUT,
                        null, "lookup did not finish within 2000 ms", 2000))).isTrue())
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertToldTheToolTimedOut();
    }

    @Test
    void aToolTheExecutorTimedOutWithAContractFallbackIsTransferredThere() {
        session = contractSession(null, List.of("lookup", "escalation"), "+15555550199");
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_1", "lookup", "{}")))
                .then(() -> assertThat(pending.complete(new ToolCompleted("call_1", "lookup", ToolCompleted.TIMEOUT,
                        null, "lookup did not finish within 2000 ms", 2000))).isTrue())
                .then(this::hangUp)
                .then(this::handOverDone)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).extracting(ToolRequested::tool).containsExactly("lookup", "escalation");
        assertThat(publishedOf(ToolRequested.class).get(1).arguments()).containsEntry("reason", "tool_timeout: lookup");
        assertThat(model.receivedOf(FunctionCallOutput.class)).as("the clip apologises, not the model").isEmpty();
        assertThat(outcome().outcome()).isEqualTo(Outcome.TRANSFERRED);
    }

    @Test
    void anAnswerCutOffAfterItsTextCameIsNotToldToARebuiltSession() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new InputTranscriptionCompleted("item_c1", "What is my balance?")))
                // the model writes faster than it speaks: the answer's text is done while its audio still plays
                .then(() -> model.emit(new ResponseCreated("r1")))
                .then(() -> model.emit(new OutputAudioDelta("r1", "item_a1", HUNDRED_MS)))
                .then(() -> model.emit(new OutputAudioTranscriptDone("r1", "item_a1", "Your balance is 42 dollars.")))
                .then(() -> model.emit(new ResponseDone("r1", "completed")))
                .then(() -> model.emit(new SpeechStarted("item_caller", 900)))
                .then(() -> model.emit(new SpeechStopped("item_caller", 1500)))
                .then(() -> model.emit(new InputTranscriptionCompleted("item_c2", "Sorry, go on.")))
                .then(model::close)
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOf(ItemTruncate.class)).containsExactly(new ItemTruncate("item_a1", 0, 0));
        List<RealtimeClientEvent> second = model.receivedOn(1);
        assertThat(second.get(0)).isInstanceOf(SessionUpdate.class);
        assertThat(second.subList(1, 3)).containsExactly(new UserText("What is my balance?"), new UserText("Sorry, go on."));
        assertThat(second).noneMatch(RealtimeClientEvent.AssistantText.class::isInstance);
        assertThat(publishedOf(TranscriptTurn.class)).as("the transcript keeps what the agent said")
                .extracting(TranscriptTurn::text).contains("Your balance is 42 dollars.");
    }

    @Test
    void keysTheCallerPressedAreToldToARebuiltSession() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> twilioSays(new Dtmf(STREAM, "inbound_track", "5")))
                .then(model::close)
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOn(1)).contains(new UserText("[DTMF 5]"));
    }

    /** How many responses without instructions (a tool's answer, a key) the model was asked for. */
    private long plainResponses() {
        return model.receivedOf(ResponseCreate.class).stream().filter(r -> r.instructions() == null).count();
    }

    @Test
    void nothingOfTheAgentsStartsWhileTheCallerSpeaksAfterABargeIn() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new ResponseCreated("r1")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_1", "lookup", "{}")))
                .then(() -> model.emit(new OutputAudioDelta("r1", "item_a1", HUNDRED_MS)))
                // the tool answers while the agent speaks: its response waits for this one
                .then(() -> assertThat(pending.complete(new ToolCompleted("call_1", "lookup", ToolCompleted.OK,
                        Map.of("balance", 42), null, 12))).isTrue())
                .then(() -> model.emit(new SpeechStarted("item_caller", 900)))
                // the model's VAD cancels the response the caller cut off
                .then(() -> model.emit(new ResponseDone("r1", "cancelled")))
                .then(() -> assertThat(plainResponses()).as("not over the caller").isZero())
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(30)))
                .then(() -> assertThat(model.receivedOf(ResponseCreate.class)).as("a long turn is not silence")
                        .noneMatch(r -> r.instructions() != null && r.instructions().contains("still there")))
                .then(() -> model.emit(new SpeechStopped("item_caller", 31_000)))
                .then(() -> assertThat(plainResponses()).as("the model answers the caller first").isZero())
                .then(() -> model.emit(new ResponseCreated("r2")))
                .then(() -> model.emit(new ResponseDone("r2", "completed")))
                .then(() -> assertThat(plainResponses()).isEqualTo(1))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOf(FunctionCallOutput.class)).as("the result itself is given at once")
                .containsExactly(new FunctionCallOutput("call_1", "{\"balance\":42}"));
    }

    @Test
    void aResponseHeldForTheCallersSpeechGoesWhenTheModelDoesNotAnswerIt() {
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_1", "lookup", "{}")))
                .then(() -> model.emit(new SpeechStarted("item_caller", 100)))
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(1500)))
                .then(() -> assertThat(model.receivedOf(ResponseCreate.class)).as("no filler over the caller")
                        .doesNotContain(new ResponseCreate("FILLER")))
                .then(() -> assertThat(pending.complete(new ToolCompleted("call_1", "lookup", ToolCompleted.OK,
                        Map.of("balance", 42), null, 1600))).isTrue())
                .then(() -> model.emit(new SpeechStopped("item_caller", 1700)))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(1)))
                .then(() -> assertThat(plainResponses()).isZero())
                // the watchdog's next tick after 2 s
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(1500)))
                .then(() -> assertThat(plainResponses()).as("no answer of the model's came within 2 s").isEqualTo(1))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();
    }

    @Test
    void theModelSessionIsNotRenewedWhileTheAgentsAudioStillPlays() {
        session = newSession(null, bridge().with(BridgeProperties.Prewarm.defaults(),
                BridgeProperties.Resilience.defaults(), new BridgeProperties.Idle(Duration.ZERO, 2, "P", "G")));
        started()
                .then(() -> model.emit(new InputTranscriptionCompleted("item_c1", "Hello?")))
                .then(() -> model.emit(new ResponseCreated("r1")))
                .then(() -> model.emit(new OutputAudioDelta("r1", "item_a1", HUNDRED_MS)))
                .then(() -> model.emit(new ResponseDone("r1", "completed")))
                .then(() -> clock.advanceTimeBy(Duration.ofMinutes(58)))
                .then(() -> assertThat(model.connections()).as("a barge-in could still cut item_a1").isEqualTo(1))
                .then(() -> twilioSays(new Mark(STREAM, "item_a1:100")))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(1)))
                .then(() -> assertThat(model.connections()).isEqualTo(2))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();
    }

    @Test
    void aCallerWhoHangsUpDuringTheClipOfAFailedHandOverStillEndsItFailed() {
        started()
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> {
                    ToolRequested handover = publishedOf(ToolRequested.class).get(0);
                    pending.complete(new ToolCompleted(handover.toolCallId(), "callback", ToolCompleted.FAILED, null,
                            "no queue", 5));
                })
                .then(this::hangUp)
                .assertNext(status -> assertThat(status.getCode()).isEqualTo(1011))
                .verifyComplete();

        assertThat(outcome().outcome()).isEqualTo(Outcome.FAILED);
        assertThat(outcome().summary()).contains("hand-over failed (callback failed)");
        assertThat(publishedOf(SessionEnded.class)).extracting(SessionEnded::reason).containsExactly("handover_failed");
    }

    @Test
    void aHandOverNobodyCouldTakeBecomesACallbackAndTheBridgeHangsUpOnceTheCallerIsToldSo() {
        session = contractSession(null, List.of("lookup", "escalation"), "+15555550199");
        FallbackPrompt clip = FallbackPrompt.load(BridgeProperties.Resilience.DEFAULT_FALLBACK_PROMPT);
        FallbackPrompt callback = FallbackPrompt.load(BridgeProperties.Resilience.DEFAULT_CALLBACK_PROMPT);
        started()
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> {
                    ToolRequested handover = publishedOf(ToolRequested.class).get(0);
                    assertThat(handover.tool()).isEqualTo("escalation");
                    assertThat(pending.complete(new ToolCompleted(handover.toolCallId(), "escalation",
                            ToolCompleted.OK, Map.of("outcome", "callback_created", "callback_id", "cb-7",
                            "say", "A colleague will call you back."), null, 5))).isTrue();
                })
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(clip.durationMs() + callback.durationMs() - 20)))
                .then(() -> assertThat(publishedOf(SessionOutcome.class)).as("the callback clip is still playing").isEmpty())
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(20)))
                .then(() -> assertThat(publishedOf(SessionOutcome.class)).as("no waiting for a transfer").hasSize(1))
                .then(this::socketClosed)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        List<String> both = new ArrayList<>(clip.frames());
        both.addAll(callback.frames());
        assertThat(mediaPayloads()).as("the apology, then the caller is told of the callback")
                .containsExactlyElementsOf(both);
        assertThat(outcome().outcome()).isEqualTo(Outcome.CALLBACK_CREATED);
        assertThat(outcome().escalationReason()).isEqualTo("model_unavailable");
        assertThat(session.view().state()).containsEntry("route", "callback");
        assertThat(lines()).contains("info: no one could take the transfer: a callback was created instead");
    }

    // ---- a transfer the tool executor sent but could not confirm: Twilio's stop tells whether it happened

    @Test
    void anUnconfirmedTransferThatTwilioThenStopsTheStreamForIsATransfer() {
        session = contractSession(null, List.of("lookup", "escalation", "callback"), "+15555550199");
        started()
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(this::handOverUnconfirmed)
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(4999)))
                .then(() -> assertThat(publishedOf(SessionOutcome.class)).as("waits for Twilio's stop").isEmpty())
                .then(() -> twilioSays(new Stop(STREAM, "AC1", CALL)))
                .then(this::socketClosed)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).as("no callback for a caller who was transferred")
                .singleElement().satisfies(handover -> assertThat(handover.tool()).isEqualTo("escalation"));
        SessionOutcome outcome = outcome();
        assertThat(outcome.outcome()).isEqualTo(Outcome.TRANSFERRED);
        assertThat(outcome.escalationReason()).isEqualTo("model_unavailable");
        assertThat(publishedOf(SessionEnded.class)).extracting(SessionEnded::reason).containsExactly("handover");
        assertThat(session.view().state()).containsEntry("route", "transfer");
        assertThat(lines()).contains("warn: the transfer could not be confirmed: waiting up to 5000 ms for Twilio "
                + "to take the call", "info: Twilio's side ended (stop) after the unconfirmed transfer: the call was "
                + "transferred");
    }

    @Test
    void anUnconfirmedTransferAnsweredAfterTwilioStoppedTheStreamIsATransfer() {
        session = contractSession(null, List.of("lookup", "escalation", "callback"), "+15555550199");
        started()
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> model.fail(new IllegalStateException("401")))
                // the transfer was made: Twilio stops the stream while the executor still waits for its answer
                .then(this::hangUp)
                .then(() -> assertThat(publishedOf(SessionOutcome.class)).isEmpty())
                .then(this::handOverUnconfirmed)
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(10)))
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).hasSize(1);
        assertThat(outcome().outcome()).isEqualTo(Outcome.TRANSFERRED);
    }

    @Test
    void anUnconfirmedTransferWithoutTwilioStoppingTheStreamBecomesACallbackAndTheCallerIsToldSo() {
        session = contractSession(null, List.of("lookup", "escalation", "callback"), "+15555550199");
        FallbackPrompt clip = FallbackPrompt.load(BridgeProperties.Resilience.DEFAULT_FALLBACK_PROMPT);
        FallbackPrompt callback = FallbackPrompt.load(BridgeProperties.Resilience.DEFAULT_CALLBACK_PROMPT);
        started()
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(this::handOverUnconfirmed)
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(4999)))
                .then(() -> assertThat(publishedOf(ToolRequested.class)).as("Twilio still has time to stop")
                        .hasSize(1))
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(1)))
                .then(() -> {
                    List<ToolRequested> requested = publishedOf(ToolRequested.class);
                    assertThat(requested).hasSize(2);
                    ToolRequested callbackRequest = requested.get(1);
                    assertThat(callbackRequest.tool()).isEqualTo("callback");
                    assertThat(callbackRequest.toolCallId()).as("a hand-over of its own, not the transfer again")
                            .isEqualTo("handover-" + CALL + "-2");
                    assertThat(callbackRequest.arguments()).containsEntry("reason", "model_unavailable")
                            .containsEntry("priority", "high");
                    assertThat((String) callbackRequest.arguments().get("summary"))
                            .startsWith("The transfer could not be confirmed and the caller stayed on the line.");
                    assertThat(pending.complete(new ToolCompleted(callbackRequest.toolCallId(), "callback",
                            ToolCompleted.OK, Map.of("callback_id", "cb-11", "status", "queued"), null, 5))).isTrue();
                })
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(clip.durationMs() + callback.durationMs()
                        - 5000 - 20)))
                .then(() -> assertThat(publishedOf(SessionOutcome.class)).as("the callback clip still plays").isEmpty())
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(20)))
                .then(() -> assertThat(publishedOf(SessionOutcome.class)).as("then the bridge hangs up").hasSize(1))
                .then(this::socketClosed)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        List<String> both = new ArrayList<>(clip.frames());
        both.addAll(callback.frames());
        assertThat(mediaPayloads()).as("the apology, then the caller is told of the callback")
                .containsExactlyElementsOf(both);
        SessionOutcome outcome = outcome();
        assertThat(outcome.outcome()).isEqualTo(Outcome.CALLBACK_CREATED);
        assertThat(outcome.escalationReason()).isEqualTo("model_unavailable");
        assertThat(session.view().state()).containsEntry("route", "callback");
        assertThat(lines()).contains("warn: Twilio did not take the call within 5000 ms: the transfer did not happen, "
                + "a callback is requested instead");
    }

    @Test
    void anUnconfirmedTransferWithoutTwilioStoppingTheStreamFailsWhenTheAgentMayNotArrangeACallback() {
        session = contractSession(null, List.of("lookup", "escalation"), "+15555550199");
        started()
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(() -> model.fail(new IllegalStateException("401")))
                .then(this::handOverUnconfirmed)
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(10)))
                .then(this::socketClosed)
                .assertNext(status -> assertThat(status.getCode()).isEqualTo(1011))
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).as("a callback the executor would deny is not asked for")
                .hasSize(1);
        assertThat(outcome().outcome()).isEqualTo(Outcome.FAILED);
        assertThat(outcome().summary()).contains("hand-over failed (escalation unconfirmed, no transfer within 5000 ms");
    }

    /** The tool executor's answer to the bridge's transfer: sent, but not confirmed by Twilio. */
    private void handOverUnconfirmed() {
        ToolRequested handover = publishedOf(ToolRequested.class).get(0);
        assertThat(handover.tool()).isEqualTo("escalation");
        assertThat(pending.complete(new ToolCompleted(handover.toolCallId(), "escalation", ToolCompleted.FAILED,
                Map.of("outcome", "unconfirmed", "escalation_id", "esc_1"), "I couldn't confirm that the transfer "
                + "went through, and I won't try it twice in case it did.", 1600))).isTrue();
    }

    @Test
    void anEscalationTheExecutorTurnedIntoACallbackIsNotATransfer() {
        session = contractSession(null, List.of("lookup", "escalation"), null);
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_e", "escalation",
                        "{\"reason\":\"caller asked for a person\"}")))
                .then(() -> assertThat(pending.complete(new ToolCompleted("call_e", "escalation", ToolCompleted.OK,
                        Map.of("outcome", "callback_created", "say", "A colleague will call you back."), null, 4)))
                        .isTrue())
                .then(() -> assertThat(session.view().state()).containsEntry("route", "callback"))
                .then(this::hangUp)
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(model.receivedOf(FunctionCallOutput.class)).singleElement()
                .satisfies(out -> assertThat(out.output()).contains("call you back"));
        assertThat(outcome().outcome()).isEqualTo(Outcome.CALLBACK_CREATED);
        assertThat(outcome().escalationReason()).isEqualTo("caller asked for a person");
    }

    @Test
    void anEscalationTheModelCallsIsATransferThoughTwilioStopsTheStreamBeforeTheToolExecutorReplies() {
        session = contractSession(null, List.of("lookup", "escalation"), null);
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new InputTranscriptionCompleted("item_c1", "Can I talk to a person?")))
                .then(() -> model.emit(new ResponseCreated("r1")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_e", "escalation",
                        "{\"reason\":\"caller asked for a person\"}")))
                .then(() -> model.emit(new ResponseDone("r1", "completed")))
                // the executor's transfer replaces the call's TwiML, so Twilio stops the stream before the reply
                .then(this::hangUp)
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(2)))
                .then(() -> assertThat(publishedOf(SessionOutcome.class)).as("waits for the escalation's result")
                        .isEmpty())
                .then(() -> assertThat(pending.complete(new ToolCompleted("call_e", "escalation", ToolCompleted.OK,
                        Map.of("outcome", "transferred"), null, 2040))).isTrue())
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        SessionOutcome outcome = outcome();
        assertThat(outcome.outcome()).isEqualTo(Outcome.TRANSFERRED);
        assertThat(outcome.escalationReason()).isEqualTo("caller asked for a person");
        assertThat(outcome.tools()).extracting(SessionOutcome.ToolSummary::tool, SessionOutcome.ToolSummary::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("escalation", "ok"));
        assertThat(publishedOf(SessionEnded.class)).extracting(SessionEnded::reason).containsExactly("stop");
        assertThat(model.receivedOf(FunctionCallOutput.class)).as("nobody is left to hear the agent").isEmpty();
        assertThat(model.closedByBridge).isTrue();
    }

    @Test
    void anEscalationTheModelCalledThatTheExecutorCouldNotConfirmIsATransferWhenTwilioStoppedTheStream() {
        session = contractSession(null, List.of("lookup", "escalation"), null);
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_e", "escalation",
                        "{\"reason\":\"caller asked for a person\"}")))
                .then(this::hangUp)
                .then(() -> assertThat(pending.complete(new ToolCompleted("call_e", "escalation", ToolCompleted.FAILED,
                        Map.of("outcome", "unconfirmed", "escalation_id", "esc-9"), "not confirmed", 1900))).isTrue())
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(outcome().outcome()).isEqualTo(Outcome.TRANSFERRED);
        assertThat(outcome().escalationReason()).isEqualTo("caller asked for a person");
    }

    @Test
    void anEscalationTheExecutorTurnsIntoACallbackAfterTwilioStoppedIsACallback() {
        session = contractSession(null, List.of("lookup", "escalation"), null);
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_e", "escalation",
                        "{\"reason\":\"caller asked for a person\"}")))
                .then(this::hangUp)
                .then(() -> assertThat(pending.complete(new ToolCompleted("call_e", "escalation", ToolCompleted.OK,
                        Map.of("outcome", "callback_created", "callback_id", "cb-3"), null, 900))).isTrue())
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(outcome().outcome()).isEqualTo(Outcome.CALLBACK_CREATED);
        assertThat(outcome().escalationReason()).isEqualTo("caller asked for a person");
    }

    @Test
    void anEscalationTheModelCalledThatNeverAnswersAfterTwilioStoppedEndsTheCallAtTheToolTimeout() {
        session = contractSession(null, List.of("lookup", "escalation"), "+15555550199");
        started()
                .then(() -> model.emit(new ResponseDone("r0", "completed")))
                .then(() -> model.emit(new FunctionCallArgumentsDone("r1", "item_f", "call_e", "escalation",
                        "{\"reason\":\"caller asked for a person\"}")))
                .then(this::hangUp)
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(7999)))
                .then(() -> assertThat(publishedOf(SessionOutcome.class)).isEmpty())
                .then(() -> clock.advanceTimeBy(Duration.ofMillis(1)))
                .expectNext(CloseStatus.NORMAL)
                .verifyComplete();

        assertThat(publishedOf(ToolRequested.class)).as("no hand-over for a caller who is gone").hasSize(1);
        assertThat(outcome().tools()).singleElement().satisfies(t -> assertThat(t.status()).isEqualTo("timeout"));
        assertThat(outcome().outcome()).isEqualTo(Outcome.ABANDONED);
        assertThat(publishedOf(SessionEnded.class)).extracting(SessionEnded::reason).containsExactly("stop");
    }

    /** Holds Twilio's side back so that audio queues up in the bridge. */
    private static final class Holding extends BaseSubscriber<TwilioStreamMessage> {
        private final List<TwilioStreamMessage> written;

        Holding(List<TwilioStreamMessage> written) {
            this.written = written;
        }

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
        }

        @Override
        protected void hookOnNext(TwilioStreamMessage value) {
            written.add(value);
        }
    }
}
