package dev.voiceagent.bridge.session;

import dev.voiceagent.bridge.realtime.RealtimeClientEvent;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.FunctionCallOutput;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.InputAudioAppend;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.ItemTruncate;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.ResponseCreate;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.SessionUpdate;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.UserText;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.FunctionCallArgumentsDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.InputTranscriptionCompleted;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.OutputAudioDelta;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.OutputAudioTranscriptDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.ResponseCreated;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.ResponseDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SpeechStarted;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SpeechStopped;
import dev.voiceagent.bridge.session.SessionInput.FromModel;
import dev.voiceagent.bridge.session.SessionInput.FromTwilio;
import dev.voiceagent.bridge.session.SessionInput.ModelClosed;
import dev.voiceagent.bridge.session.SessionInput.ModelFailed;
import dev.voiceagent.bridge.session.SessionInput.StartTimedOut;
import dev.voiceagent.bridge.session.SessionInput.ToolReplied;
import dev.voiceagent.bridge.session.SessionInput.ToolSlow;
import dev.voiceagent.bridge.session.SessionInput.ToolTimedOut;
import dev.voiceagent.bridge.session.SessionInput.TwilioClosed;
import dev.voiceagent.bridge.support.Masking;
import dev.voiceagent.bridge.support.PriorityLane;
import dev.voiceagent.bridge.tools.ToolCatalog;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Clear;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Dtmf;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Mark;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Media;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Start;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Stop;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.SessionEvents.BargeIn;
import dev.voiceagent.contracts.SessionEvents.SessionEnded;
import dev.voiceagent.contracts.SessionEvents.SessionStarted;
import dev.voiceagent.contracts.SessionEvents.SessionStateChanged;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.SessionOutcome.ToolSummary;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.TranscriptTurn;
import dev.voiceagent.contracts.VoiceEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.socket.CloseStatus;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;

/**
 * One live call: Twilio media on one side, the realtime model on the other, the agent's state in between. Every
 * input (Twilio frames, model events, tool replies, timers) is serialized into one lane and handled by one
 * writer at a time; outputs leave through bounded priority lanes (interruptions ahead of queued audio) and an
 * ordered event lane to Kafka. Nothing here blocks or waits on a database.
 */
public final class VoiceSession {

    private static final Logger log = LoggerFactory.getLogger(VoiceSession.class);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private static final Sinks.EmitFailureHandler RETRY_CONCURRENT =
            Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100));
    private static final Duration END_GRACE = Duration.ofSeconds(5);

    /** Where the session is in its life. */
    public enum Phase { WAITING_FOR_START, ACTIVE, ENDED }

    private final CallContext call;
    private final AgentView agent;
    private final TenantConfigPublished.RuntimeConfig runtime;
    private final SessionDependencies deps;
    private final String model;
    private final String voice;
    private final String agentVersionId;

    private final PriorityLane<TwilioStreamMessage> toTwilio;
    private final PriorityLane<RealtimeClientEvent> toModel;
    private final Sinks.Many<SessionInput> inputs = Sinks.many().unicast().onBackpressureBuffer();
    private final Sinks.Many<EventEnvelope<?>> events = Sinks.many().unicast().onBackpressureBuffer();
    private final Disposable.Composite resources = Disposables.composite();
    private final Sinks.Empty<Void> ended = Sinks.empty();

    private final Playback playback = new Playback();
    private final Map<String, PendingTool> tools = new LinkedHashMap<>();
    private final List<ToolSummary> toolSummaries = new ArrayList<>();
    private final Set<String> truncatedItems = new HashSet<>();
    private final ArrayDeque<ResponseCreate> queuedResponses = new ArrayDeque<>();
    private boolean responseActive;
    private boolean callerSpoke;
    private boolean agentAnswered;
    private String escalationReason;
    private int turnIndex;
    private String streamSid;
    private long startedAtMs;
    private Long firstAudioMs;
    private String failure;
    private CloseStatus closeStatus = CloseStatus.NORMAL;

    private volatile Phase phase = Phase.WAITING_FOR_START;
    private volatile Map<String, Object> state = Map.of();
    private volatile int callerTurns;
    private volatile int agentTurns;
    private volatile int interruptions;
    private volatile int pendingToolCount;
    private volatile Instant startedAt;

    public VoiceSession(CallContext call, TenantConfigPublished tenant, AgentView agent, SessionDependencies deps) {
        this.call = call;
        this.agent = agent;
        this.runtime = tenant.runtimeConfig();
        this.deps = deps;
        this.model = orDefault(runtime == null ? null : runtime.model(), deps.realtimeSettings().defaultModel());
        this.voice = orDefault(runtime == null ? null : runtime.voice(), deps.realtimeSettings().defaultVoice());
        this.agentVersionId = orDefault(call.agentVersionId(), agent.agentVersionId());
        this.toTwilio = new PriorityLane<>(deps.bridge().twilioQueueFrames(), dropped -> deps.metrics().frameDropped());
        this.toModel = new PriorityLane<>(deps.bridge().modelQueueFrames(), dropped -> deps.metrics().frameDropped());
    }

    /** Frames for Twilio (through the gateway); completes when the session ends. */
    public Flux<TwilioStreamMessage> toTwilio() {
        return toTwilio.flux();
    }

    /**
     * Runs the session over the frames Twilio sends and completes, with the status to close Twilio's socket with,
     * once the session has ended, Twilio's side has closed and the last events (ended, outcome) are published.
     */
    public Mono<CloseStatus> run(Flux<TwilioStreamMessage> fromTwilio) {
        // Twilio's side is not cancelled when the session ends: cancelling a WebSocket receive closes the socket
        // without a status. The handler closes it with closeStatus() instead; the guard only bounds a peer that
        // never answers our close.
        Flux<SessionInput> twilio = fromTwilio.<SessionInput>map(FromTwilio::new)
                .onErrorResume(e -> Mono.empty())
                .concatWith(Mono.fromSupplier(TwilioClosed::new))
                .takeUntilOther(ended.asMono().then(Mono.delay(END_GRACE, deps.timers())));
        Mono<Void> processing = Flux.merge(twilio, inputs.asFlux())
                .doOnNext(this::handle)
                .then();
        Mono<Void> publishing = events.asFlux().concatMap(this::publishQuietly).then();
        return Mono.defer(() -> {
                    schedule(deps.bridge().startTimeout(), StartTimedOut::new);
                    return Mono.when(processing, publishing);
                })
                .then(Mono.fromSupplier(() -> closeStatus))
                .doFinally(signal -> {
                    if (phase != Phase.ENDED) {
                        end("cancelled", "session cancelled", CloseStatus.GOING_AWAY);
                    }
                    resources.dispose();
                });
    }

    /** The status Twilio's socket should be closed with; meaningful once {@link #toTwilio()} has completed. */
    public CloseStatus closeStatus() {
        return closeStatus;
    }

    public String callSid() {
        return call.callSid();
    }

    public String tenantId() {
        return call.tenantId();
    }

    public Phase phase() {
        return phase;
    }

    /** A consistent-enough snapshot for the active-sessions API, read from any thread. */
    public SessionView view() {
        return new SessionView(call.callSid(), streamSid, call.agentKey(), agentVersionId, call.direction(),
                call.callerNumber(), phase.name().toLowerCase(Locale.ROOT), startedAt, state, callerTurns,
                agentTurns, interruptions, pendingToolCount, deps.bridge().instanceId());
    }

    private void handle(SessionInput input) {
        if (phase == Phase.ENDED) {
            return;
        }
        try {
            dispatch(input);
        } catch (RuntimeException e) {
            log.error("call {}: session failed on {}", call.callSid(), input.getClass().getSimpleName(), e);
            end("internal_error", "internal error", CloseStatus.SERVER_ERROR.withReason("internal error"));
        }
        pendingToolCount = tools.size();
    }

    private void dispatch(SessionInput input) {
        if (input instanceof FromTwilio twilio) {
            onTwilio(twilio.message());
        } else if (input instanceof FromModel model) {
            onModel(model.event());
        } else if (input instanceof ToolReplied replied) {
            onToolReply(replied.reply());
        } else if (input instanceof ToolSlow slow) {
            onToolSlow(slow.toolCallId());
        } else if (input instanceof ToolTimedOut timedOut) {
            onToolTimeout(timedOut.toolCallId());
        } else if (input instanceof TwilioClosed) {
            end("twilio_closed", null, CloseStatus.NORMAL);
        } else if (input instanceof ModelClosed) {
            end("model_closed", "the model closed its session", CloseStatus.SERVER_ERROR.withReason("model session closed"));
        } else if (input instanceof ModelFailed failed) {
            log.warn("call {}: model connection failed: {}", call.callSid(), failed.error().toString());
            end("model_failed", "model connection failed: " + failed.error().getClass().getSimpleName(),
                    CloseStatus.SERVER_ERROR.withReason("model session failed"));
        } else if (input instanceof StartTimedOut && phase == Phase.WAITING_FOR_START) {
            end("no_start", "no start message", CloseStatus.POLICY_VIOLATION.withReason("no start message"));
        }
    }

    // ---- Twilio side ---------------------------------------------------------------------------------------

    private void onTwilio(TwilioStreamMessage message) {
        if (message instanceof Media media) {
            if (phase == Phase.ACTIVE) {
                toModel.offerData(new InputAudioAppend(media.payload()));
                deps.metrics().frameToModel();
            }
        } else if (message instanceof Mark mark) {
            playback.acknowledged(mark.name());
        } else if (message instanceof Start start) {
            onStart(start);
        } else if (message instanceof Dtmf dtmf) {
            onDtmf(dtmf);
        } else if (message instanceof Stop) {
            end("stop", null, CloseStatus.NORMAL);
        }
    }

    private void onStart(Start start) {
        if (phase != Phase.WAITING_FOR_START) {
            return;
        }
        if (start.callSid() != null && !start.callSid().equals(call.callSid())) {
            end("call_sid_mismatch", "start names another call",
                    CloseStatus.POLICY_VIOLATION.withReason("start does not match X-Voice-Call-Sid"));
            return;
        }
        phase = Phase.ACTIVE;
        streamSid = start.streamSid();
        startedAtMs = now();
        startedAt = Instant.ofEpochMilli(startedAtMs);
        toModel.offerControl(sessionUpdate());
        String greeting = runtime == null ? null : runtime.greeting();
        if (greeting != null && !greeting.isBlank()) {
            requestResponse(new ResponseCreate(deps.bridge().greetingPrefix() + greeting));
        }
        resources.add(deps.realtime().connect(model, toModel.flux())
                .<SessionInput>map(FromModel::new)
                .concatWith(Mono.fromSupplier(ModelClosed::new))
                .onErrorResume(e -> Mono.just(new ModelFailed(e)))
                .subscribe(this::emit));
        publish(new SessionStarted(streamSid, agentVersionId, model, voice, deps.bridge().instanceId()));
        log.info("call {}: session started (tenant {}, agent {}, caller {}, model {})", call.callSid(),
                call.tenantId(), call.agentKey(), Masking.phone(call.callerNumber()), model);
    }

    private SessionUpdate sessionUpdate() {
        String language = runtime == null || runtime.language() == null || runtime.language().length() < 2 ? null
                : runtime.language().substring(0, 2).toLowerCase(Locale.ROOT);
        return new SessionUpdate(model, runtime == null ? null : runtime.instructions(), voice,
                deps.realtimeSettings().transcriptionModel(), language, ToolCatalog.functionsFor(agent.allowedTools()));
    }

    private void onDtmf(Dtmf dtmf) {
        if (phase != Phase.ACTIVE) {
            return;
        }
        callerSpoke = true;
        toModel.offerControl(new UserText("[DTMF " + dtmf.digit() + "]"));
        requestResponse(new ResponseCreate(null));
    }

    // ---- model side ----------------------------------------------------------------------------------------

    private void onModel(RealtimeServerEvent event) {
        if (event instanceof OutputAudioDelta delta) {
            onAudio(delta);
        } else if (event instanceof SpeechStarted) {
            if (playback.unplayed()) {
                bargeIn();
            }
        } else if (event instanceof SpeechStopped) {
            callerSpoke = true;
        } else if (event instanceof InputTranscriptionCompleted transcript) {
            onCallerTranscript(transcript);
        } else if (event instanceof OutputAudioTranscriptDone transcript) {
            onAgentTranscript(transcript);
        } else if (event instanceof FunctionCallArgumentsDone functionCall) {
            onFunctionCall(functionCall);
        } else if (event instanceof ResponseCreated) {
            responseActive = true;
        } else if (event instanceof ResponseDone) {
            responseActive = false;
            ResponseCreate next = queuedResponses.poll();
            if (next != null) {
                sendResponse(next);
            }
        } else if (event instanceof RealtimeServerEvent.Error error) {
            log.warn("call {}: model error {} {}: {}", call.callSid(), error.type(), error.code(), error.message());
        }
    }

    private void onAudio(OutputAudioDelta delta) {
        if (streamSid == null || delta.itemId() == null || truncatedItems.contains(delta.itemId())) {
            return;
        }
        if (firstAudioMs == null) {
            firstAudioMs = now() - startedAtMs;
            deps.metrics().firstAudio(Duration.ofMillis(firstAudioMs));
        }
        if (callerSpoke) {
            agentAnswered = true;
        }
        String markName = playback.sent(delta.itemId(), delta.delta());
        toTwilio.offerData(Media.outbound(streamSid, delta.delta()));
        toTwilio.offerData(new Mark(streamSid, markName));
        deps.metrics().frameToTwilio();
    }

    /** The caller spoke over the agent: drop unsent audio, clear Twilio's queue, cut the item at what was heard. */
    private void bargeIn() {
        Playback.Interruption cut = playback.interrupt();
        truncatedItems.add(cut.itemId());
        toTwilio.clearData();
        toTwilio.offerControl(new Clear(streamSid));
        toModel.offerControl(new ItemTruncate(cut.itemId(), 0, cut.audioEndMs()));
        interruptions++;
        deps.metrics().bargeIn();
        publish(new BargeIn(cut.itemId(), cut.audioEndMs()));
    }

    private void onCallerTranscript(InputTranscriptionCompleted transcript) {
        if (transcript.transcript() == null || transcript.transcript().isBlank()) {
            return;
        }
        callerSpoke = true;
        callerTurns++;
        publish(new TranscriptTurn(TranscriptTurn.CALLER, transcript.transcript().trim(), transcript.itemId(),
                turnIndex++, now() - startedAtMs));
    }

    private void onAgentTranscript(OutputAudioTranscriptDone transcript) {
        if (transcript.transcript() == null || transcript.transcript().isBlank()) {
            return;
        }
        if (callerSpoke) {
            agentAnswered = true;
        }
        agentTurns++;
        publish(new TranscriptTurn(TranscriptTurn.AGENT, transcript.transcript().trim(), transcript.itemId(),
                turnIndex++, now() - startedAtMs));
    }

    // ---- tools ---------------------------------------------------------------------------------------------

    private void onFunctionCall(FunctionCallArgumentsDone functionCall) {
        String callId = functionCall.callId();
        String name = functionCall.name();
        Map<String, Object> arguments = parseArguments(functionCall.arguments());
        if (ToolCatalog.UPDATE_SESSION.equals(name)) {
            updateSession(callId, arguments);
            return;
        }
        if (ToolName.find(name).isEmpty() || agent.allowedTools() == null || !agent.allowedTools().contains(name)) {
            answerTool(callId, "The tool '" + name + "' is not available to this agent.", null);
            toolSummaries.add(new ToolSummary(callId, name, ToolCompleted.DENIED, 0));
            return;
        }
        if (arguments == null) {
            answerTool(callId, "The arguments were not valid JSON; please try again.", null);
            toolSummaries.add(new ToolSummary(callId, name, ToolCompleted.FAILED, 0));
            return;
        }
        PendingTool pending = new PendingTool(callId, name, arguments, now());
        tools.put(callId, pending);
        deps.pendingTools().register(callId, reply -> emit(new ToolReplied(reply)));
        pending.timers.add(schedule(deps.bridge().fillerThreshold(), () -> new ToolSlow(callId)));
        pending.timers.add(schedule(deps.bridge().toolTimeout(), () -> new ToolTimedOut(callId)));
        publish(new ToolRequested(callId, name, arguments, agentVersionId, (String) state.get("intent"),
                "verified".equals(state.get("caller_identity")), call.callerNumber(),
                Topics.toolReplies(deps.bridge().instanceId())));
    }

    private void updateSession(String callId, Map<String, Object> arguments) {
        Map<String, Object> next = new LinkedHashMap<>(state);
        int changed = 0;
        if (arguments != null) {
            for (Map.Entry<String, Object> field : arguments.entrySet()) {
                if (ToolCatalog.SESSION_FIELDS.contains(field.getKey()) && field.getValue() != null) {
                    next.put(field.getKey(), String.valueOf(field.getValue()));
                    changed++;
                }
            }
        }
        if (changed == 0) {
            answerTool(callId, "{\"ok\":false,\"reason\":\"no known session fields\"}", null);
            return;
        }
        state = Map.copyOf(next);
        publish(new SessionStateChanged(state));
        answerTool(callId, "{\"ok\":true}", null);
    }

    private void onToolReply(ToolCompleted reply) {
        PendingTool pending = tools.remove(reply.toolCallId());
        if (pending == null) {
            return;
        }
        pending.timers.forEach(this::cancelTimer);
        String output = ToolCompleted.OK.equals(reply.status())
                ? EventCodec.mapper().writeValueAsString(reply.output() == null ? Map.of() : reply.output())
                : orDefault(reply.reason(), "The tool answered " + reply.status() + ".");
        answerTool(pending.callId, output, null);
        long latency = now() - pending.startedMs;
        toolSummaries.add(new ToolSummary(pending.callId, pending.tool, reply.status(), latency));
        if ("escalation".equals(pending.tool) && ToolCompleted.OK.equals(reply.status())) {
            escalationReason = String.valueOf(pending.arguments.getOrDefault("reason", "escalated"));
        }
    }

    private void onToolSlow(String callId) {
        PendingTool pending = tools.get(callId);
        if (pending != null && !responseActive) {
            sendResponse(new ResponseCreate(deps.bridge().fillerInstructions()));
        }
    }

    private void onToolTimeout(String callId) {
        PendingTool pending = tools.remove(callId);
        if (pending == null) {
            return;
        }
        deps.pendingTools().forget(callId);
        pending.timers.forEach(this::cancelTimer);
        answerTool(callId, "The tool did not answer in time.", deps.bridge().apologyInstructions());
        toolSummaries.add(new ToolSummary(callId, pending.tool, ToolCompleted.TIMEOUT, now() - pending.startedMs));
    }

    /** A function_call_output for the model, then a response so the agent speaks about it. */
    private void answerTool(String callId, String output, String instructions) {
        toModel.offerControl(new FunctionCallOutput(callId, output));
        requestResponse(new ResponseCreate(instructions));
    }

    /** One response at a time: a request made while the model is responding waits for its response.done. */
    private void requestResponse(ResponseCreate request) {
        if (responseActive) {
            queuedResponses.add(request);
        } else {
            sendResponse(request);
        }
    }

    private void sendResponse(ResponseCreate request) {
        responseActive = true;
        toModel.offerControl(request);
    }

    private static Map<String, Object> parseArguments(String json) {
        try {
            Map<String, Object> parsed = EventCodec.mapper().readValue(json == null || json.isBlank() ? "{}" : json, MAP);
            return parsed == null ? Map.of() : parsed;
        } catch (JacksonException e) {
            return null;
        }
    }

    // ---- end -----------------------------------------------------------------------------------------------

    private void end(String reason, String failure, CloseStatus status) {
        if (phase == Phase.ENDED) {
            return;
        }
        boolean wasStarted = phase == Phase.ACTIVE;
        phase = Phase.ENDED;
        this.failure = failure;
        this.closeStatus = status;
        long endedMs = now();
        for (PendingTool pending : tools.values()) {
            deps.pendingTools().forget(pending.callId);
            pending.timers.forEach(this::cancelTimer);
            toolSummaries.add(new ToolSummary(pending.callId, pending.tool, "cancelled", endedMs - pending.startedMs));
        }
        tools.clear();
        toModel.complete();
        toTwilio.complete();
        long startMs = wasStarted ? startedAtMs : endedMs;
        publish(new SessionEnded(reason, endedMs - startMs));
        publish(outcome(startMs, endedMs));
        events.emitComplete(RETRY_CONCURRENT);
        inputs.emitComplete(RETRY_CONCURRENT);
        ended.emitEmpty(RETRY_CONCURRENT);
        log.info("call {}: session ended ({}){}", call.callSid(), reason, failure == null ? "" : ": " + failure);
    }

    private SessionOutcome outcome(long startMs, long endedMs) {
        List<ToolSummary> summaries = List.copyOf(toolSummaries);
        var outcome = OutcomeRules.decide(failure, summaries, callerSpoke, agentAnswered);
        String summary = failure != null ? failure
                : String.format(Locale.ROOT, "%d caller turns, %d agent turns, %d interruptions, %d tool calls",
                        callerTurns, agentTurns, interruptions, summaries.size());
        return new SessionOutcome(outcome, (String) state.get("intent"), agentVersionId, call.callerNumber(),
                Instant.ofEpochMilli(startMs), Instant.ofEpochMilli(endedMs), endedMs - startMs, firstAudioMs,
                callerTurns, agentTurns, interruptions, summaries, escalationReason, summary);
    }

    // ---- plumbing ------------------------------------------------------------------------------------------

    private void publish(VoiceEvent event) {
        events.emitNext(EventEnvelope.of(deps.source(), call.tenantId(), call.callSid(), event), RETRY_CONCURRENT);
    }

    private Mono<Void> publishQuietly(EventEnvelope<?> envelope) {
        return deps.publisher().publish(envelope)
                .timeout(Duration.ofSeconds(15))
                .onErrorResume(e -> {
                    log.warn("call {}: could not publish {}: {}", call.callSid(), envelope.type().wireName(),
                            e.toString());
                    return Mono.empty();
                });
    }

    private void emit(SessionInput input) {
        inputs.emitNext(input, RETRY_CONCURRENT);
    }

    private Disposable schedule(Duration delay, java.util.function.Supplier<SessionInput> input) {
        Disposable timer = Mono.delay(delay, deps.timers()).subscribe(tick -> emit(input.get()));
        resources.add(timer);
        return timer;
    }

    private void cancelTimer(Disposable timer) {
        resources.remove(timer);
        timer.dispose();
    }

    private long now() {
        return deps.timers().now(TimeUnit.MILLISECONDS);
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    /** A tool call waiting for its reply. */
    private static final class PendingTool {
        final String callId;
        final String tool;
        final Map<String, Object> arguments;
        final long startedMs;
        final List<Disposable> timers = new ArrayList<>(2);

        PendingTool(String callId, String tool, Map<String, Object> arguments, long startedMs) {
            this.callId = callId;
            this.tool = tool;
            this.arguments = arguments;
            this.startedMs = startedMs;
        }
    }
}
