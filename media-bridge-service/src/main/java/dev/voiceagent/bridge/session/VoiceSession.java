package dev.voiceagent.bridge.session;

import dev.voiceagent.bridge.realtime.ModelConnection;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.AssistantText;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.FunctionCallOutput;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.InputAudioAppend;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.ItemTruncate;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.ResponseCancel;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.ResponseCreate;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.UserText;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.FunctionCallArgumentsDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.InputTranscriptionCompleted;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.OutputAudioDelta;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.OutputAudioTranscriptDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.ResponseCreated;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.ResponseDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SessionCreated;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SessionUpdated;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SpeechStarted;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SpeechStopped;
import dev.voiceagent.bridge.session.SessionInput.CallDurationReached;
import dev.voiceagent.bridge.session.SessionInput.FallbackPlayed;
import dev.voiceagent.bridge.session.SessionInput.FromModel;
import dev.voiceagent.bridge.session.SessionInput.FromTwilio;
import dev.voiceagent.bridge.session.SessionInput.HandoverDone;
import dev.voiceagent.bridge.session.SessionInput.ModelClosed;
import dev.voiceagent.bridge.session.SessionInput.ModelFailed;
import dev.voiceagent.bridge.session.SessionInput.StartTimedOut;
import dev.voiceagent.bridge.session.SessionInput.Tick;
import dev.voiceagent.bridge.session.SessionInput.ToolReplied;
import dev.voiceagent.bridge.session.SessionInput.ToolSlow;
import dev.voiceagent.bridge.session.SessionInput.ToolTimedOut;
import dev.voiceagent.bridge.session.SessionInput.TwilioClosed;
import dev.voiceagent.bridge.session.SessionInput.UnconfirmedTransferLapsed;
import dev.voiceagent.bridge.support.BridgeProperties;
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
import dev.voiceagent.contracts.LogLine;
import dev.voiceagent.contracts.SessionEvents.BargeIn;
import dev.voiceagent.contracts.SessionEvents.SessionEnded;
import dev.voiceagent.contracts.SessionEvents.SessionStarted;
import dev.voiceagent.contracts.SessionEvents.SessionStateChanged;
import dev.voiceagent.contracts.Outcome;
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
import dev.voiceagent.contracts.audio.DtmfTones;
import dev.voiceagent.support.observability.CallLogContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import io.micrometer.observation.Observation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.socket.CloseStatus;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.context.Context;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;

/**
 * One live call: Twilio media on one side, the realtime model on the other, the agent's state in between. Every
 * input (Twilio frames, model events, tool replies, timers) is serialized into one lane and handled by one
 * writer at a time; outputs leave through bounded priority lanes (interruptions ahead of queued audio) and an
 * ordered event lane to Kafka. The caller never hears silence by design: a lost or stalled model is reconnected
 * once with the conversation so far, and if that fails the bridge plays its own fallback clip and hands the call
 * over. Nothing here blocks or waits on a database.
 */
public final class VoiceSession {

    private static final Logger log = LoggerFactory.getLogger(VoiceSession.class);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private static final Sinks.EmitFailureHandler RETRY_CONCURRENT =
            Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100));
    private static final Duration END_GRACE = Duration.ofSeconds(5);
    private static final Duration FRAME_INTERVAL = Duration.ofMillis(20);
    /** A model session slower than this to answer its handshake is logged: the caller's audio waits for it. */
    private static final long SLOW_MODEL_READY_MS = 1000;
    /** The Reactor context of the frame path: none (see {@link #run}). */
    public static final Function<Context, Context> FRAME_PATH = context -> Context.empty();
    /**
     * How long a session keeps trying to publish one event through a broker outage. The envelope (and its id) is
     * the same on every attempt, so a send that timed out here but still landed is absorbed by idempotent consumers.
     */
    private static final Duration PUBLISH_DEADLINE = Duration.ofMinutes(2);
    private static final RetryBackoffSpec PUBLISH_RETRY = Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(500))
            .maxBackoff(Duration.ofSeconds(5));
    private static final String RESUME_INSTRUCTIONS =
            "The connection dropped for a moment. Apologize in a few words and continue where you left off.";
    /** What the agent is asked to say when its contract ends the call (a safety concern with {@code end_call}). */
    static final String CLOSING_INSTRUCTIONS = "Tell the caller calmly, in one or two sentences, that you have to end "
            + "this call now and that they should contact the emergency services if anyone is in danger, then say goodbye.";
    /** What the agent is asked to say when the call has lasted its maximum duration. */
    static final String DURATION_GOODBYE_INSTRUCTIONS = "Tell the caller politely, in one or two short sentences, that "
            + "this call has reached its time limit and has to end now, then say goodbye.";
    /** The end's reason (and the record's tag) of a call ended at its maximum duration. */
    static final String MAX_CALL_DURATION = "max_call_duration";
    /** How long the goodbye of a call the bridge ends may take before the bridge hangs up regardless. */
    private static final Duration CLOSING_LIMIT = Duration.ofSeconds(15);
    /**
     * How long a transcript turn may wait for the end of the agent's turn (normally a second or two, with tools up to
     * the tool timeout) before it is published as it is; only a PIN used by then is masked.
     */
    static final Duration TRANSCRIPT_HOLD = Duration.ofSeconds(10);
    /** The item name of keys the agent presses, in {@link Playback}'s marks; one per sequence played. */
    private static final String KEYS_ITEM = "keys-";
    /** An escalation's {@code outcome} when the executor sent the transfer but Twilio did not confirm it. */
    private static final String UNCONFIRMED = "unconfirmed";
    /** How long a response asked for after the caller's speech waits for the model's own answer to that speech. */
    static final Duration VAD_ANSWER_WAIT = Duration.ofSeconds(2);

    /** Where the session is in its life. */
    public enum Phase { WAITING_FOR_START, ACTIVE, ENDED }

    private final CallContext call;
    private final AgentView agent;
    private final SessionDependencies deps;
    private final BridgeProperties.Resilience resilience;
    private final BridgeProperties.Idle idle;
    /** This call's silence, duration and tool-call limits (the runtime config's and the tenant's). */
    private final SessionLimits limits;
    private final SessionSetup setup;
    private final String model;
    private final String voice;
    private final String agentVersionId;
    /** The tool set of this call's agent version. */
    private final List<String> allowedTools;
    private final ContractGuard contract;
    private final String recordId = UUID.randomUUID().toString();

    private final PriorityLane<TwilioStreamMessage> toTwilio;
    // Flux.create's sink takes next() from many threads at once (it queues and drains); a Sinks.Many would make
    // concurrent emitters (netty threads, timers, tool replies) busy-spin, which starves two cores under load
    private final Flux<SessionInput> inputs = Flux.create(sink -> inputSink = sink, FluxSink.OverflowStrategy.BUFFER);
    private volatile FluxSink<SessionInput> inputSink;
    private final Sinks.Many<EventEnvelope<?>> events = Sinks.many().unicast().onBackpressureBuffer();
    private final Disposable.Composite resources = Disposables.composite();
    private final Sinks.Empty<Void> ended = Sinks.empty();
    private final SessionSpans spans;

    private final Playback playback = new Playback();
    private final Map<String, PendingTool> tools = new LinkedHashMap<>();
    private final List<ToolSummary> toolSummaries = new ArrayList<>();
    private final List<VoiceSessionRecord.FunctionCall> functionCalls = new ArrayList<>();
    private final List<VoiceSessionRecord.Turn> transcript = new ArrayList<>();
    /** The PINs this call's lookups carried: masked in the transcript before it leaves the bridge. */
    private final TranscriptRedaction redaction = new TranscriptRedaction();
    /**
     * Transcript turns not published yet, in order: every turn waits for the end of the agent's turn it belongs to or
     * that answers it, that is for a response without function calls (the agent's turn carries the {@code lookup}
     * with a PIN said in it, possibly after other tools, and its function calls come in after the agent's words, and
     * before or after the caller's transcription), at most {@link #TRANSCRIPT_HOLD}.
     */
    private final List<TranscriptTurn> heldTurns = new ArrayList<>();
    private long heldSinceMs;
    /** Whether the response in progress called a function: the agent's turn goes on after it. */
    private boolean functionCallsInResponse;
    private final Set<String> tags = new TreeSet<>();
    private final Set<String> truncatedItems = new HashSet<>();
    /**
     * The conversation as a rebuilt model session is told it, in order: what the caller said, what the agent said
     * that was not cut off (a truncated item's text is gone from the model's context too), and tools' results.
     */
    private final List<RealtimeClientEvent> conversation = new ArrayList<>();
    /** The agent's words in {@link #conversation} by their item, until a barge-in cuts the item and takes them out. */
    private final Map<String, AssistantText> agentWords = new HashMap<>();
    private final ArrayDeque<ResponseCreate> queuedResponses = new ArrayDeque<>();
    private ModelConnection link;
    private Disposable linkEvents;
    private int generation;
    private boolean modelReady;
    /** When the current model connection was attached. */
    private long attachedMs;
    /** Frames to the model dropped (queue full) on connections let go of before the current one. */
    private long droppedToModelBefore;
    private boolean responseActive;
    /** Between the model's {@code speech_started} and {@code speech_stopped}: nothing of the agent's may start. */
    private boolean callerSpeaking;
    /**
     * When the caller's speech stopped, until the model's own answer to it starts ({@code response.created}) or
     * {@link #VAD_ANSWER_WAIT} has passed; 0 otherwise. The model's server VAD answers a turn by itself, so a
     * response asked for meanwhile waits for that answer rather than collide with it.
     */
    private long speechStoppedMs;
    private boolean callerSpoke;
    private boolean agentAnswered;
    private String escalationReason;
    private int turnIndex;
    private String streamSid;
    private long startedAtMs;
    private Long firstAudioMs;
    private String failure;
    private CloseStatus closeStatus = CloseStatus.NORMAL;
    private long lastModelEventMs;
    private long lastActivityMs;
    private int idlePrompts;
    private boolean idleHangup;
    private long idleHangupAtMs;
    private int reconnects;
    /** When the fallback clip has played to its end (0: not played). */
    private long fallbackEndsAtMs;
    /** An end decided while the fallback clip plays: it comes when the clip has played, or when Twilio stops. */
    private Ending afterFallback;
    /**
     * Set when the bridge ends the call after a goodbye (the contract's {@code end_call}, the call's maximum duration):
     * the end's reason. The agent's goodbye is playing, then the bridge hangs up.
     */
    private String closingEnd;
    private long closingSinceMs;
    /** The call was ended by the bridge after a goodbye ({@link #closingEnd}). */
    private boolean endedAfterGoodbye;
    /** The call was ended because it lasted its maximum duration. */
    private boolean durationLimitReached;
    /** Tool calls of the model's that the call's {@code max_tool_calls} counts (update_session is not one). */
    private int toolCallsMade;
    /**
     * The agent is stopped and the call is being handed over: by the bridge ({@link #handOver}), or by the model's own
     * {@code escalation} once Twilio has stopped the stream for it.
     */
    private boolean handingOver;
    /** An escalation the executor could not transfer and answered with a callback instead. */
    private boolean callbackInsteadOfTransfer;
    /**
     * The bridge's transfer the executor answered {@code unconfirmed}, while the bridge waits for Twilio's stop to
     * tell whether it took the call; null otherwise.
     */
    private PendingTool unconfirmedTransfer;
    /** An unconfirmed transfer that Twilio's stop showed to have taken the call. */
    private boolean transferSeen;
    private boolean idleEnded;
    /** Why Twilio's side ended while a tool that can take the call was pending; null while it has not. */
    private String twilioGone;
    private int handovers;
    /** Keys the agent is pressing ({@code send_dtmf}): queued as tones, answered once their last mark comes back. */
    private PendingKeys pendingKeys;
    private int keySequences;
    /**
     * The account a {@code lookup} result verified the caller for ({@code verified: true}, a PIN the tool executor
     * checked); null until then. Only this makes tool requests authenticated: the model's own {@code caller_identity}
     * report is what a caller can talk it into, so it never authenticates anyone.
     */
    private String verifiedAccount;

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
        this.deps = deps;
        this.resilience = deps.bridge().resilience();
        this.idle = deps.bridge().idle();
        this.agentVersionId = orDefault(call.agentVersionId(), agent.agentVersionId());
        this.allowedTools = SessionSetup.toolsOf(agent, agentVersionId);
        this.contract = ContractGuard.of(agent, agentVersionId, resilience.maxFailedAuthentications());
        this.setup = SessionSetup.of(tenant, agent, agentVersionId, deps.realtimeSettings());
        this.limits = SessionLimits.of(tenant, agent, agentVersionId, idle);
        this.model = setup.model();
        this.voice = setup.voice();
        this.toTwilio = new PriorityLane<>(deps.bridge().twilioQueueFrames(), dropped -> deps.metrics().frameDropped(),
                deps.metrics().relayToTwilio());
        this.spans = new SessionSpans(deps.observations(), call);
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
        Flux<SessionInput> twilio = fromTwilio.<SessionInput>map(m -> new FromTwilio(m, System.nanoTime()))
                .onErrorResume(e -> Mono.empty())
                .concatWith(Mono.fromSupplier(TwilioClosed::new))
                .takeUntilOther(ended.asMono().then(Mono.delay(END_GRACE, deps.timers())));
        // the frame path runs without a Reactor context: with automatic context propagation every hop of a
        // frame would otherwise restore the request's observation scope and MDC, which cost more than the relay
        // itself. Lines the session logs get the call's MDC explicitly (handle), its spans are explicit too.
        Mono<Void> processing = Flux.merge(twilio, inputs)
                .doOnNext(this::handle)
                .then()
                .contextWrite(FRAME_PATH);
        return Mono.defer(() -> {
                    schedule(deps.bridge().startTimeout(), StartTimedOut::new);
                    return Mono.when(processing, publishing());
                })
                .then(Mono.fromSupplier(() -> closeStatus))
                .doFinally(signal -> {
                    // cancelled (the server shutting down): an input already in the lane may still be handled on
                    // another thread, so this end takes the lane's lock as every input does
                    synchronized (this) {
                        if (phase != Phase.ENDED) {
                            end("cancelled", "session cancelled", CloseStatus.GOING_AWAY);
                        }
                    }
                    resources.dispose();
                });
    }

    /**
     * The session's events, in order, to the end: started here and not cancelled with the socket's handler (a
     * socket closed while the broker is away would otherwise drop the call's transcript and outcome). Each event
     * is bounded by {@link #PUBLISH_DEADLINE}, and the events complete when the session ends.
     */
    private Mono<Void> publishing() {
        // the subscriber's context (the session's trace) goes with the events
        return Mono.deferContextual(context -> Mono.fromFuture(events.asFlux().concatMap(this::publishQuietly).then()
                .contextWrite(context).toFuture(), true));
    }

    /**
     * Completes as soon as the session has ended, before its last events are published (through a broker outage that
     * can take minutes): what the call holds of its instance, such as its capacity slot, can be let go then.
     */
    public Mono<Void> ended() {
        return ended.asMono();
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

    /**
     * One input at a time: the merged inputs reach this one after another, and the lock (uncontended but for a
     * cancellation racing an input) keeps the end of a cancelled session out of an input's way.
     */
    private synchronized void handle(SessionInput input) {
        if (phase == Phase.ENDED) {
            return;
        }
        if (isAudio(input)) {
            dispatchSafely(input);
            return;
        }
        try (CallLogContext.Scope ignored = CallLogContext.open(call.tenantId(), call.callSid())) {
            dispatchSafely(input);
        }
    }

    /** The inputs of every 20 ms, which never log: they skip the MDC. */
    private static boolean isAudio(SessionInput input) {
        if (input instanceof FromTwilio twilio) {
            return twilio.message() instanceof Media || twilio.message() instanceof Mark;
        }
        return input instanceof FromModel model && model.event() instanceof OutputAudioDelta;
    }

    private void dispatchSafely(SessionInput input) {
        try {
            dispatch(input);
        } catch (RuntimeException e) {
            log.error("call {}: session failed on {}", call.callSid(), input.getClass().getSimpleName(), e);
            end("internal_error", "internal error", CloseStatus.SERVER_ERROR.withReason("internal error"));
        }
        pendingToolCount = tools.size() + (pendingKeys == null ? 0 : 1);
    }

    private void dispatch(SessionInput input) {
        if (input instanceof FromTwilio twilio) {
            onTwilio(twilio.message(), twilio.receivedNanos());
        } else if (input instanceof FromModel model) {
            if (model.generation() == generation) {
                onModel(model.event(), model.receivedNanos());
            }
        } else if (input instanceof ToolReplied replied) {
            onToolReply(replied.reply());
        } else if (input instanceof ToolSlow slow) {
            onToolSlow(slow.toolCallId());
        } else if (input instanceof ToolTimedOut timedOut) {
            onToolTimeout(timedOut.toolCallId());
        } else if (input instanceof Tick) {
            onTick();
        } else if (input instanceof TwilioClosed) {
            onTwilioGone("twilio_closed");
        } else if (input instanceof ModelClosed closed) {
            if (closed.generation() == generation) {
                deps.metrics().modelError("connection_closed", null);
                modelLost("the model closed its session");
            }
        } else if (input instanceof ModelFailed failed) {
            if (failed.generation() == generation) {
                log.warn("call {}: model connection failed: {}", call.callSid(), failed.error().toString());
                deps.metrics().modelError("connection_failed", null);
                modelLost("model connection failed: " + failed.error().getClass().getSimpleName());
            }
        } else if (input instanceof CallDurationReached) {
            onCallDurationReached();
        } else if (input instanceof HandoverDone) {
            endAfterFallback(new Ending("handover", null, CloseStatus.NORMAL));
        } else if (input instanceof UnconfirmedTransferLapsed) {
            onUnconfirmedTransferLapsed();
        } else if (input instanceof FallbackPlayed && afterFallback != null) {
            end(afterFallback);
        } else if (input instanceof StartTimedOut && phase == Phase.WAITING_FOR_START) {
            end("no_start", "no start message", CloseStatus.POLICY_VIOLATION.withReason("no start message"));
        }
    }

    // ---- Twilio side ---------------------------------------------------------------------------------------

    private void onTwilio(TwilioStreamMessage message, long receivedNanos) {
        if (message instanceof Media media) {
            if (phase == Phase.ACTIVE && !handingOver) {
                link.outbound().offerData(new InputAudioAppend(media.payload()), receivedNanos);
                deps.metrics().frameToModel();
            }
        } else if (message instanceof Mark mark) {
            playback.acknowledged(mark.name());
            if (pendingKeys != null && mark.name().equals(pendingKeys.lastMark)) {
                keysPressed(true);
            }
        } else if (message instanceof Start start) {
            onStart(start);
        } else if (message instanceof Dtmf dtmf) {
            onDtmf(dtmf);
        } else if (message instanceof Stop) {
            onTwilioGone("stop");
        }
    }

    /**
     * Twilio stops the stream as soon as a transfer replaces the call's TwiML, usually before the tool executor's
     * reply reaches the bridge: while a tool that can take the call is pending (the bridge's hand-over, or an
     * {@code escalation} the model called) its result decides the outcome, so the session waits for it (bounded by
     * the tool timeout) instead of ending with the transfer cancelled. Nobody is left to hear the agent meanwhile.
     */
    private void onTwilioGone(String reason) {
        if (afterFallback != null) {
            // the caller hung up during the fallback clip: the end already decided stands
            end(afterFallback);
        } else if (unconfirmedTransfer != null) {
            transferTookTheCall(reason);
        } else if (tools.values().stream().anyMatch(PendingTool::takesTheCall)) {
            if (twilioGone == null) {
                twilioGone = reason;
                log.debug("call {}: Twilio's side ended ({}) during a hand-over; waiting for its result",
                        call.callSid(), reason);
            }
            if (!handingOver) {
                stopAgent();
            }
        } else {
            end(reason, null, CloseStatus.NORMAL);
        }
    }

    /** Twilio's side has ended: the session ends once no tool that can take the call is still to answer. */
    private void endOnceTransferAnswered() {
        if (tools.values().stream().noneMatch(PendingTool::takesTheCall)) {
            end(twilioGone, null, CloseStatus.NORMAL);
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
        lastActivityMs = startedAtMs;
        startedAt = Instant.ofEpochMilli(startedAtMs);
        ModelConnection prewarmed = deps.links().takePrewarmed(call, model).orElse(null);
        spans.started(prewarmed != null);
        if (prewarmed != null) {
            tags.add("prewarmed");
            attach(prewarmed, "prewarmed");
        } else {
            attach(deps.links().open(model), "stream_start");
        }
        if (setup.greeting() != null) {
            requestResponse(new ResponseCreate(deps.bridge().greetingPrefix() + setup.greeting()));
        }
        Duration tick = resilience.watchdogInterval();
        resources.add(Flux.interval(tick, tick, deps.timers()).subscribe(n -> emit(new Tick())));
        if (limits.maxCallDuration() != null) {
            schedule(limits.maxCallDuration(), CallDurationReached::new);
        }
        publish(new SessionStarted(streamSid, agentVersionId, model, voice, deps.bridge().instanceId()));
        learn(initialState());
        record(VoiceSessionRecord.ACTIVE, null);
        line(LogLine.INFO, "media session started: agent " + call.agentKey() + " (version " + agentVersionId
                + "), model " + model + ", voice " + voice + (prewarmed != null ? ", pre-warmed model session" : ""));
        log.info("call {}: session started (tenant {}, agent {}, caller {}, model {}{})", call.callSid(),
                call.tenantId(), call.agentKey(), Masking.phone(call.callerNumber()), model,
                prewarmed != null ? ", prewarmed" : "");
    }

    /** Makes {@code next} the session's model connection: configures it if needed and reads its events. */
    private void attach(ModelConnection next, String reason) {
        int gen = ++generation;
        if (link != null) {
            droppedToModelBefore += link.outbound().dropped();
        }
        link = next;
        attachedMs = now();
        modelReady = next.configured();
        lastModelEventMs = now();
        spans.modelOpening(reason, next.configured());
        if (!next.configured()) {
            next.configure(setup.updateFor(call, agentVersionId));
        }
        linkEvents = next.events()
                .<SessionInput>map(event -> new FromModel(gen, event, System.nanoTime()))
                .concatWith(Mono.fromSupplier(() -> new ModelClosed(gen)))
                .onErrorResume(e -> Mono.just(new ModelFailed(gen, e)))
                .subscribe(this::emit, e -> { }, null, FRAME_PATH.apply(Context.empty()));
        resources.add(linkEvents);
        resources.add(next);
    }

    /**
     * Lets go of the current model connection; its late events no longer count. A graceful detach sends what is
     * queued and a normal close (bounded by the client's close grace); otherwise the socket is dropped at once.
     */
    private void detach(boolean graceful) {
        if (link == null) {
            return;
        }
        generation++;
        if (graceful) {
            link.close();
        } else {
            resources.remove(linkEvents);
            resources.remove(link);
            linkEvents.dispose();
            link.dispose();
        }
    }

    private void onDtmf(Dtmf dtmf) {
        if (phase != Phase.ACTIVE || handingOver) {
            return;
        }
        callerSpoke = true;
        callerActive();
        tags.add("dtmf");
        line(LogLine.INFO, "keypad digit received");
        UserText digit = new UserText("[DTMF " + dtmf.digit() + "]");
        link.outbound().offerControl(digit);
        // a rebuilt model session is told the digit too: the caller's keys are part of the conversation
        conversation.add(digit);
        requestResponse(new ResponseCreate(null));
    }

    // ---- model side ----------------------------------------------------------------------------------------

    private void onModel(RealtimeServerEvent event, long receivedNanos) {
        lastModelEventMs = now();
        if (handingOver) {
            return;
        }
        if (event instanceof OutputAudioDelta delta) {
            onAudio(delta, receivedNanos);
        } else if (event instanceof SpeechStarted) {
            callerSpeaking = true;
            speechStoppedMs = 0;
            callerActive();
            // keys being pressed are not cut off: a phone menu speaking over them is what menus do
            if (playback.unplayed() && !playback.playingItem().startsWith(KEYS_ITEM)) {
                bargeIn();
            }
        } else if (event instanceof SpeechStopped) {
            callerSpoke = true;
            callerActive();
            if (callerSpeaking) {
                callerSpeaking = false;
                speechStoppedMs = now();
            }
        } else if (event instanceof InputTranscriptionCompleted transcript) {
            onCallerTranscript(transcript);
        } else if (event instanceof OutputAudioTranscriptDone transcript) {
            onAgentTranscript(transcript);
        } else if (event instanceof FunctionCallArgumentsDone functionCall) {
            onFunctionCall(functionCall);
        } else if (event instanceof ResponseCreated) {
            responseActive = true;
            speechStoppedMs = 0;
        } else if (event instanceof ResponseDone done) {
            onResponseDone(done);
        } else if (event instanceof SessionCreated || event instanceof SessionUpdated) {
            if (!modelReady) {
                modelReady = true;
                spans.modelReady();
                long waited = now() - attachedMs;
                if (waited >= SLOW_MODEL_READY_MS) {
                    log.info("call {}: model session ready after {} ms; {} caller frames waited for it",
                            call.callSid(), waited, link.outbound().queuedData());
                }
            }
        } else if (event instanceof RealtimeServerEvent.Error error) {
            log.warn("call {}: model error {} {}: {}", call.callSid(), error.type(), error.code(), error.message());
            line(LogLine.WARN, "model error: " + error.type() + (error.code() != null ? " " + error.code() : ""));
            deps.metrics().modelError("error_event", error.code() != null ? error.code() : error.type());
        }
    }

    /**
     * A response's end. A failed one (a rate limit, the quota, a server error) said nothing, and the model socket stays
     * open, so without this the caller would hear silence and every later response would fail alike: it counts as a
     * lost model (reconnect with the conversation so far, then fallback and hand-over), with the response still owed
     * to the caller. Only a completed response shows the model session works and restores the reconnect; a cancelled
     * one (the caller spoke over it) or an incomplete one (cut by the output limit or the content filter) is no
     * failure, but no proof either.
     */
    private void onResponseDone(ResponseDone done) {
        if (done.failed()) {
            String code = done.errorCode() != null ? done.errorCode() : "unknown";
            log.warn("call {}: model response {} failed: {}", call.callSid(), done.responseId(), code);
            deps.metrics().modelError("response_failed", done.errorCode());
            // responseActive stays set: the failed response is still owed to the caller, so a rebuilt session is
            // asked to go on (or the greeting again); a hand-over lets the model go with it
            modelLost("a response failed: " + code);
            return;
        }
        responseActive = false;
        if (!functionCallsInResponse) {
            // the agent's turn is over (a response that called functions is followed by one with their outputs),
            // and with it any lookup a PIN said in it went to
            releaseTurns();
        }
        functionCallsInResponse = false;
        if (done.completed()) {
            // a model session that answered is working: a later, unrelated loss gets its own reconnect
            reconnects = 0;
        }
        lastActivityMs = now();
        sendQueuedResponse();
    }

    private void onAudio(OutputAudioDelta delta, long receivedNanos) {
        if (streamSid == null || delta.itemId() == null || truncatedItems.contains(delta.itemId())) {
            return;
        }
        if (firstAudioMs == null) {
            firstAudioMs = now() - startedAtMs;
            deps.metrics().firstAudio(Duration.ofMillis(firstAudioMs));
            spans.firstAudio();
        }
        if (callerSpoke) {
            agentAnswered = true;
        }
        lastActivityMs = lastModelEventMs;
        String markName = playback.sent(delta.itemId(), delta.delta());
        toTwilio.offerData(Media.outbound(streamSid, delta.delta()), receivedNanos);
        toTwilio.offerData(new Mark(streamSid, markName));
        deps.metrics().frameToTwilio();
    }

    /** The caller spoke over the agent: drop unsent audio, clear Twilio's queue, cut the item at what was heard. */
    private void bargeIn() {
        List<Playback.Interruption> cuts = playback.interrupt();
        Playback.Interruption cut = cuts.get(0);
        toTwilio.clearData();
        toTwilio.offerControl(new Clear(streamSid));
        for (Playback.Interruption item : cuts) {
            // every model item the caller did not hear to its end: the model must not think it was heard, and its
            // late audio is dropped. Keys the agent pressed are not the model's items (they play again below)
            if (!item.itemId().startsWith(KEYS_ITEM)) {
                truncatedItems.add(item.itemId());
                link.outbound().offerControl(new ItemTruncate(item.itemId(), 0, item.audioEndMs()));
                // the model forgets the text of what it truncates; a rebuilt session is not told it either
                AssistantText words = agentWords.remove(item.itemId());
                if (words != null) {
                    conversation.removeIf(said -> said == words);
                }
            }
        }
        interruptions++;
        tags.add("barge_in");
        deps.metrics().bargeIn();
        publish(new BargeIn(cut.itemId(), cut.audioEndMs()));
        line(LogLine.INFO, "caller interrupted the agent: its audio cut at " + cut.audioEndMs() + " ms heard");
        if (pendingKeys != null) {
            // the interruption cut the agent's words; the keys it decided to press still go, right after the clear
            playKeys();
        }
    }

    private void onCallerTranscript(InputTranscriptionCompleted transcript) {
        if (transcript.transcript() == null || transcript.transcript().isBlank()) {
            return;
        }
        callerSpoke = true;
        callerActive();
        callerTurns++;
        addTurn(TranscriptTurn.CALLER, transcript.transcript().trim(), transcript.itemId());
    }

    private void onAgentTranscript(OutputAudioTranscriptDone transcript) {
        if (transcript.transcript() == null || transcript.transcript().isBlank()) {
            return;
        }
        if (callerSpoke) {
            agentAnswered = true;
        }
        agentTurns++;
        addTurn(TranscriptTurn.AGENT, transcript.transcript().trim(), transcript.itemId());
    }

    private void addTurn(String role, String text, String itemId) {
        if (TranscriptTurn.CALLER.equals(role)) {
            conversation.add(new UserText(text));
        } else if (!truncatedItems.contains(itemId)) {
            // the model writes its words faster than they play: a barge-in after this still takes them out
            AssistantText words = new AssistantText(text);
            conversation.add(words);
            if (itemId != null) {
                agentWords.put(itemId, words);
            }
        }
        TranscriptTurn turn = new TranscriptTurn(role, text, itemId, turnIndex++, now() - startedAtMs);
        if (heldTurns.isEmpty()) {
            heldSinceMs = now();
        }
        heldTurns.add(turn);
    }

    /** Publishes and keeps the turns held so far, with the PINs known by now masked. */
    private void releaseTurns() {
        heldTurns.forEach(this::publishTurn);
        heldTurns.clear();
    }

    private void publishTurn(TranscriptTurn turn) {
        String text = redaction.apply(turn.text());
        transcript.add(new VoiceSessionRecord.Turn(turn.role(), text, turn.turnIndex(), turn.offsetMs()));
        publish(new TranscriptTurn(turn.role(), text, turn.itemId(), turn.turnIndex(), turn.offsetMs()));
    }

    private void callerActive() {
        lastActivityMs = now();
        idlePrompts = 0;
        idleHangup = false;
    }

    // ---- watchdog: stalls, session limit, idle caller --------------------------------------------------------

    private void onTick() {
        if (!heldTurns.isEmpty() && now() - heldSinceMs >= TRANSCRIPT_HOLD.toMillis()) {
            releaseTurns();
        }
        if (phase != Phase.ACTIVE || handingOver) {
            return;
        }
        long now = now();
        if (closingEnd != null) {
            // the goodbye has been said and heard (or took too long): hang up. A goodbye still waiting for the
            // caller's turn to end has not been said yet
            boolean said = !responseActive && queuedResponses.isEmpty() && !playback.unplayed();
            if (said || now - closingSinceMs >= CLOSING_LIMIT.toMillis()) {
                endedAfterGoodbye = true;
                end(closingEnd, null, CloseStatus.NORMAL);
            }
            return;
        }
        if (responseActive && now - lastModelEventMs >= resilience.stallTimeout().toMillis()) {
            log.warn("call {}: model stalled for {} ms during a response", call.callSid(), now - lastModelEventMs);
            deps.metrics().modelError("stalled", null);
            modelLost("the model stalled during a response");
            return;
        }
        if (speechStoppedMs > 0 && now - speechStoppedMs >= VAD_ANSWER_WAIT.toMillis()) {
            // the model did not answer the caller's speech itself: what was asked for meanwhile goes now
            speechStoppedMs = 0;
            if (!responseActive) {
                sendQueuedResponse();
            }
        }
        long renewAt = resilience.modelSessionLimit().minus(resilience.renewBefore()).toMillis();
        // a quiet moment: nobody speaking, nothing of the agent's still playing (a later barge-in would truncate an
        // item the new session does not know), no tool or keys pending
        boolean quiet = !responseActive && !callerSpeaking && speechStoppedMs == 0 && !playback.unplayed()
                && tools.isEmpty() && pendingKeys == null;
        if (quiet && now - link.openedAtMs() >= renewAt) {
            log.info("call {}: renewing the model session before its time limit", call.callSid());
            line(LogLine.INFO, "model session renewed before its time limit");
            tags.add("renewed");
            rebuildModelSession("renewal", false);
            return;
        }
        checkIdle(now);
    }

    private void checkIdle(long now) {
        long promptAfterMs = limits.silenceTimeout().toMillis();
        if (promptAfterMs == 0) {
            return;
        }
        if (callerSpeaking) {
            // a long turn of the caller's is not silence
            lastActivityMs = now;
            return;
        }
        if (responseActive || !tools.isEmpty() || playback.unplayed()) {
            // the agent talking (or audio still playing) is not silence; a goodbye gets a bounded time to finish
            if (idleHangup && now - idleHangupAtMs >= 2 * promptAfterMs) {
                endIdle();
            } else if (!idleHangup) {
                lastActivityMs = now;
            }
            return;
        }
        if (idleHangup) {
            endIdle();
            return;
        }
        if (now - lastActivityMs < promptAfterMs) {
            return;
        }
        lastActivityMs = now;
        if (idlePrompts >= limits.maxSilencePrompts()) {
            idleHangup = true;
            idleHangupAtMs = now;
            requestResponse(new ResponseCreate(idle.goodbyeInstructions()));
        } else {
            idlePrompts++;
            tags.add("idle_prompted");
            requestResponse(new ResponseCreate(idle.promptInstructions()));
        }
    }

    /**
     * The call has lasted its maximum duration: the agent says a short goodbye (after what it is saying now), and
     * the watchdog hangs up once it has been heard, or after {@link #CLOSING_LIMIT}, as when the contract ends a
     * call. A hand-over under way takes the call anyway, and a goodbye already under way ends it anyway.
     */
    private void onCallDurationReached() {
        if (phase != Phase.ACTIVE || handingOver || closingEnd != null) {
            return;
        }
        closingEnd = MAX_CALL_DURATION;
        closingSinceMs = now();
        durationLimitReached = true;
        tags.add(MAX_CALL_DURATION);
        cancelKeys();
        log.info("call {}: the call reached its maximum duration of {} s", call.callSid(),
                limits.maxCallDuration().toSeconds());
        line(LogLine.WARN, "the call reached its maximum duration of " + limits.maxCallDuration().toSeconds()
                + " s: the agent says goodbye");
        requestResponse(new ResponseCreate(DURATION_GOODBYE_INSTRUCTIONS));
    }

    private void endIdle() {
        idleEnded = true;
        tags.add("idle_hangup");
        end("idle", null, CloseStatus.NORMAL);
    }

    // ---- model loss: reconnect with the conversation, then fallback and hand-over ----------------------------

    private void modelLost(String reason) {
        if (handingOver || phase != Phase.ACTIVE) {
            return;
        }
        if (reconnects < resilience.reconnectAttempts()) {
            reconnects++;
            tags.add("reconnected");
            log.info("call {}: reconnecting the model ({})", call.callSid(), reason);
            line(LogLine.WARN, "model session lost (" + reason + "): reconnecting with the conversation so far");
            rebuildModelSession("reconnect", true);
        } else {
            handOver("model_unavailable", reason);
        }
    }

    /**
     * A new model session with the conversation so far: configuration, then the {@link #conversation} replayed as
     * conversation items (turns and tools' results, as text). Tool calls still waiting belong to the old session;
     * their results reach the new one as text. After a failure mid-response the agent resumes with a short apology.
     */
    private void rebuildModelSession(String reason, boolean afterFailure) {
        boolean wasResponding = responseActive;
        detach(!afterFailure);
        responseActive = false;
        callerSpeaking = false;
        speechStoppedMs = 0;
        queuedResponses.clear();
        attach(deps.links().open(model), reason);
        conversation.forEach(link.outbound()::offerControl);
        tools.values().forEach(pending -> pending.generation = -1);
        boolean greetingLost = firstAudioMs == null && transcript.isEmpty() && heldTurns.isEmpty()
                && setup.greeting() != null;
        if (afterFailure && greetingLost) {
            requestResponse(new ResponseCreate(deps.bridge().greetingPrefix() + setup.greeting()));
        } else if (afterFailure && wasResponding) {
            requestResponse(new ResponseCreate(RESUME_INSTRUCTIONS));
        }
    }

    /**
     * Stops the agent and hands the call to a human: the model is let go, unplayed agent audio is cleared, the
     * bridge plays its fallback clip itself, and an {@code escalation} (or, when the contract only allows it, a
     * {@code callback}) goes to the tool executor with the reason. The outcome follows the hand-over's result.
     */
    private void handOver(String reason, String detail) {
        handOver(reason, detail, false);
    }

    /** As above; {@code byCallback} prefers a callback to a transfer when the agent may use both. */
    private void handOver(String reason, String detail, boolean byCallback) {
        handOver(reason, detail, byCallback, null);
    }

    /**
     * As above; {@code target}, when the contract names one for the hand-over (a {@code must_transfer} intent's), goes
     * with the request as {@code handoff_target} (and {@code handoff_number} when the version lists its number).
     */
    private void handOver(String reason, String detail, boolean byCallback,
                          TenantConfigPublished.HandoffTarget target) {
        if (handingOver || phase != Phase.ACTIVE) {
            return;
        }
        escalationReason = reason;
        tags.add("handover");
        log.info("call {}: handing over ({}{})", call.callSid(), reason, detail == null ? "" : ": " + detail);
        line(LogLine.WARN, "handing the call over to a person: " + reason);
        stopAgent();
        playFallback();
        String tool = handoverTool(byCallback);
        if (tool == null) {
            endAfterFallback(new Ending("handover_failed",
                    "hand-over impossible: the agent may use neither escalation nor callback",
                    CloseStatus.SERVER_ERROR.withReason("hand-over failed")));
            return;
        }
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("reason", reason);
        arguments.put("summary", handoverSummary(detail));
        if ("callback".equals(tool)) {
            arguments.put("priority", "high");
        }
        if (target != null) {
            arguments.put("handoff_target", target.name());
            if (target.phoneNumber() != null) {
                arguments.put("handoff_number", target.phoneNumber());
            }
        }
        requestHandover(tool, arguments);
    }

    /** The hand-over's request to the tool executor, with the call's next hand-over id. */
    private void requestHandover(String tool, Map<String, Object> arguments) {
        String callId = "handover-" + call.callSid() + "-" + (++handovers);
        PendingTool pending = requestTool(callId, tool, arguments);
        pending.handover = true;
    }

    /** The agent says and does nothing more: its response is cancelled, the model let go, keys not pressed dropped. */
    private void stopAgent() {
        handingOver = true;
        if (responseActive && link != null) {
            link.outbound().offerControl(new ResponseCancel());
        }
        queuedResponses.clear();
        responseActive = false;
        detach(true);
        cancelKeys();
    }

    private void playFallback() {
        if (streamSid == null) {
            return;
        }
        toTwilio.clearData();
        if (playback.unplayed()) {
            playback.interrupt();
            toTwilio.offerControl(new Clear(streamSid));
        }
        playClip(deps.fallback().forTenant(call.tenantId()).frames());
    }

    /**
     * Plays one of the bridge's own clips after the one still playing, at Twilio's cadence: one 20 ms frame at a time
     * (a clip longer than the lane would otherwise lose its start).
     */
    private void playClip(List<String> frames) {
        long now = now();
        long startsAtMs = Math.max(now, fallbackEndsAtMs);
        fallbackEndsAtMs = startsAtMs + frames.size() * FRAME_INTERVAL.toMillis();
        String sid = streamSid;
        resources.add(Flux.interval(Duration.ofMillis(startsAtMs - now), FRAME_INTERVAL, deps.timers())
                .take(frames.size())
                .subscribe(i -> toTwilio.offerData(Media.outbound(sid, frames.get(i.intValue()))), e -> { }, null,
                        FRAME_PATH.apply(Context.empty())));
    }

    /**
     * Ends the call once the bridge's clips have played (an apology cut off after a few frames would be worse than
     * none), or at once when none is playing; Twilio's stop meanwhile ends it with the same outcome.
     */
    private void endAfterFallback(Ending ending) {
        long left = fallbackEndsAtMs - now();
        if (left <= 0) {
            end(ending);
            return;
        }
        afterFallback = ending;
        schedule(Duration.ofMillis(left), FallbackPlayed::new);
    }

    private String handoverTool(boolean byCallback) {
        List<String> allowed = handoverCandidates();
        if (byCallback && allowed.contains("callback")) {
            return "callback";
        }
        return allowed.contains("escalation") ? "escalation" : allowed.contains("callback") ? "callback" : null;
    }

    /**
     * The tools a hand-over may use: the tool executor narrows a call's tools to those its contract gives the call's
     * intent, so when that intent allows a hand-over tool, the hand-over uses one of those (an escalation it would deny
     * would fail the hand-over). Otherwise the agent's tools, and the executor decides.
     */
    private List<String> handoverCandidates() {
        Object intent = state.get("intent");
        List<String> ofIntent = intent == null ? null : contract.toolsOf(String.valueOf(intent));
        if (ofIntent == null) {
            return allowedTools;
        }
        List<String> both = allowedTools.stream().filter(ofIntent::contains).toList();
        return both.stream().anyMatch(VoiceSession::handsOver) ? both : allowedTools;
    }

    private String handoverSummary(String detail) {
        releaseTurns();
        StringBuilder summary = new StringBuilder(detail == null ? "" : detail + ". ");
        Object intent = state.get("intent");
        if (intent != null) {
            summary.append("Intent: ").append(intent).append(". ");
        }
        int from = Math.max(0, transcript.size() - 4);
        for (VoiceSessionRecord.Turn turn : transcript.subList(from, transcript.size())) {
            summary.append(turn.role()).append(": ").append(turn.text()).append(' ');
        }
        String text = redaction.apply(summary.toString().trim());
        return text.length() > 1000 ? text.substring(0, 1000) : text;
    }

    private void onHandoverReply(PendingTool pending, ToolCompleted reply) {
        String status = reply.status();
        if (ToolCompleted.TIMEOUT.equals(status) && !pending.retried && phase == Phase.ACTIVE) {
            // A hand-over whose answer did not come in time may still have happened: under load the executor's
            // queue, not its work, is what is late. The executor answers a repeated tool call id with the result it
            // stored (and its callback and transfer are idempotent per id), so ask once more with the same id
            // rather than break what the fallback clip promised; a timeout the executor itself recorded stays one.
            line(LogLine.WARN, "hand-over " + pending.tool + " timed out: asking once more");
            PendingTool again = requestTool(pending.callId, pending.tool, pending.arguments);
            again.handover = true;
            again.retried = true;
            return;
        }
        if (ToolCompleted.OK.equals(status) && twilioGone != null) {
            end("handover", null, CloseStatus.NORMAL);
        } else if (ToolCompleted.OK.equals(status) && ("callback".equals(pending.tool)
                || becameCallback(pending.tool, reply))) {
            // nothing will take the call away: the caller is told a colleague calls back, and the bridge hangs up
            // once that has played rather than leave them waiting in silence for a transfer
            line(LogLine.INFO, "callback".equals(pending.tool) ? "a callback was created: the caller is told so"
                    : "no one could take the transfer: a callback was created instead");
            playClip(deps.fallback().callbackFor(call.tenantId()).frames());
            endAfterFallback(new Ending("handover", null, CloseStatus.NORMAL));
        } else if (ToolCompleted.OK.equals(status)) {
            // a transfer replaces the call's TwiML and Twilio stops the stream itself; the grace bounds the wait
            schedule(resilience.handoverGrace(), HandoverDone::new);
        } else if (unconfirmed(pending.tool, reply)) {
            awaitUnconfirmedTransfer(pending);
        } else {
            handoverFailed(pending.tool + " " + status);
        }
    }

    private void handoverFailed(String why) {
        endAfterFallback(new Ending("handover_failed", "hand-over failed (" + why + ")",
                CloseStatus.SERVER_ERROR.withReason("hand-over failed")));
    }

    /**
     * The executor sent the transfer but Twilio did not confirm it (a timeout or 5xx: it may have been made), and it
     * makes neither a callback nor a second transfer. A transfer makes Twilio stop the stream at once, so the stream
     * tells: a stop already come, or coming within {@code unconfirmed-transfer-grace}, means the call was transferred;
     * no stop means it was not, and the caller, still on the line, gets the callback a failed transfer would give.
     */
    private void awaitUnconfirmedTransfer(PendingTool transfer) {
        tags.add("transfer_unconfirmed");
        if (twilioGone != null) {
            transferTookTheCall(twilioGone);
            return;
        }
        line(LogLine.WARN, "the transfer could not be confirmed: waiting up to "
                + resilience.unconfirmedTransferGrace().toMillis() + " ms for Twilio to take the call");
        unconfirmedTransfer = transfer;
        schedule(resilience.unconfirmedTransferGrace(), UnconfirmedTransferLapsed::new);
    }

    /** Twilio's side ended after an unconfirmed transfer was sent: the transfer took the call. */
    private void transferTookTheCall(String how) {
        unconfirmedTransfer = null;
        transferSeenByStop();
        line(LogLine.INFO, "Twilio's side ended (" + how + ") after the unconfirmed transfer: the call was "
                + "transferred");
        end("handover", null, CloseStatus.NORMAL);
    }

    /** An unconfirmed transfer that Twilio's stop showed to have taken the call: the outcome and the route say so. */
    private void transferSeenByStop() {
        transferSeen = true;
        learn(Map.of("route", "transfer"));
    }

    /** No stop within the grace: the transfer did not happen, so the caller is called back, and told so. */
    private void onUnconfirmedTransferLapsed() {
        PendingTool transfer = unconfirmedTransfer;
        if (transfer == null || phase != Phase.ACTIVE) {
            return;
        }
        unconfirmedTransfer = null;
        long graceMs = resilience.unconfirmedTransferGrace().toMillis();
        if (!handoverCandidates().contains("callback")) {
            handoverFailed("escalation unconfirmed, no transfer within " + graceMs + " ms, and no callback allowed");
            return;
        }
        line(LogLine.WARN, "Twilio did not take the call within " + graceMs + " ms: the transfer did not happen, "
                + "a callback is requested instead");
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("reason", transfer.arguments.get("reason"));
        String summary = "The transfer could not be confirmed and the caller stayed on the line. "
                + transfer.arguments.getOrDefault("summary", "");
        arguments.put("summary", summary.length() > 1000 ? summary.substring(0, 1000) : summary.trim());
        arguments.put("priority", "high");
        requestHandover("callback", arguments);
    }

    // ---- tools ---------------------------------------------------------------------------------------------

    private void onFunctionCall(FunctionCallArgumentsDone functionCall) {
        String callId = functionCall.callId();
        String name = functionCall.name();
        functionCallsInResponse = true;
        Map<String, Object> parsed = parseArguments(functionCall.arguments());
        if (parsed != null) {
            // said on the call whether or not the tool runs
            redaction.add(parsed.get(AgentState.PIN));
        }
        if (closingEnd != null) {
            // the bridge is ending the call: nothing more is started, the goodbye is all that is left
            return;
        }
        // a PIN the model also wrote into a summary, a reason or a text goes nowhere from here
        Map<String, Object> arguments = parsed == null ? null : redaction.inFreeText(parsed);
        if (ToolCatalog.UPDATE_SESSION.equals(name)) {
            updateSession(callId, arguments);
            return;
        }
        if (ToolName.find(name).isEmpty() || !allowedTools.contains(name)) {
            answerTool(callId, "The tool '" + name + "' is not available to this agent.", null, generation);
            recordCall(callId, name, arguments, ToolCompleted.DENIED, 0);
            return;
        }
        if (arguments == null) {
            answerTool(callId, "The arguments were not valid JSON; please try again.", null, generation);
            recordCall(callId, name, null, ToolCompleted.FAILED, 0);
            return;
        }
        if (overToolLimit(name)) {
            refuseOverLimit(callId, name, arguments);
            return;
        }
        toolCallsMade++;
        if (ToolCatalog.SEND_DTMF.equals(name)) {
            pressKeys(callId, arguments);
            return;
        }
        PendingTool pending = requestTool(callId, name, arguments);
        pending.timers.add(schedule(deps.bridge().fillerThreshold(), () -> new ToolSlow(callId)));
    }

    /**
     * Whether the call's {@code max_tool_calls} refuses this tool call. The tools that hand the call to a person
     * ({@code escalation}, {@code callback}) count but are never refused: a caller whose agent can no longer look
     * anything up must still be able to reach someone who can.
     */
    private boolean overToolLimit(String tool) {
        return limits.maxToolCalls() != null && toolCallsMade >= limits.maxToolCalls() && !handsOver(tool);
    }

    private static boolean handsOver(String tool) {
        return ToolName.ESCALATION.wire().equals(tool) || ToolName.CALLBACK.wire().equals(tool);
    }

    /**
     * A tool call past the call's {@code max_tool_calls}: answered locally, like a tool the agent may not use, with a
     * reason the agent can speak, and never sent to the tool executor.
     */
    private void refuseOverLimit(String callId, String tool, Map<String, Object> arguments) {
        boolean canHandOver = allowedTools.stream().anyMatch(VoiceSession::handsOver);
        answerTool(callId, "This call has used all " + limits.maxToolCalls() + " tool calls it may make, so '" + tool
                + "' was not run. Tell the caller you cannot do that on this call"
                + (canHandOver ? " and offer to pass them to a colleague." : "."), null, generation);
        recordCall(callId, tool, arguments, ToolCompleted.DENIED, 0);
        tags.add("tool_limit_reached");
        line(LogLine.WARN, "tool " + tool + " refused: the call's limit of " + limits.maxToolCalls()
                + " tool calls is reached");
    }

    /**
     * The agent presses keys: their tones (in-band DTMF, as a handset sends them) are queued behind the audio already
     * on its way, with a mark after each key. The function's output goes to the model once the last mark is back,
     * without a new response: the far end answers a key press (a menu's next prompt) and the agent answers that.
     */
    private void pressKeys(String callId, Map<String, Object> arguments) {
        String keys = keysOf(arguments.get(ToolCatalog.DIGITS));
        String problem = pendingKeys != null ? "The previous keys are still being pressed; wait for their result."
                : DtmfTones.problem(keys);
        if (problem != null) {
            answerTool(callId, json("ok", false, "reason", problem), null, generation);
            recordCall(callId, ToolCatalog.SEND_DTMF, arguments, ToolCompleted.FAILED, 0);
            return;
        }
        List<String> chunks = DtmfTones.chunks(keys).stream().map(Base64.getEncoder()::encodeToString).toList();
        Duration limit = Duration.ofMillis(DtmfTones.durationMs(keys)).plus(deps.bridge().toolTimeout());
        pendingKeys = new PendingKeys(callId, keys, arguments, chunks, now(), generation,
                schedule(limit, () -> new ToolTimedOut(callId)));
        tags.add("keys_pressed");
        line(LogLine.INFO, "agent pressing " + DtmfTones.keyCount(keys) + " keypad keys");
        playKeys();
    }

    /** Queues the pending keys' tones, each followed by its mark; again after a clear, under fresh mark names. */
    private void playKeys() {
        String item = KEYS_ITEM + (++keySequences);
        for (String chunk : pendingKeys.chunks) {
            String mark = playback.sent(item, chunk);
            toTwilio.offerData(Media.outbound(streamSid, chunk));
            toTwilio.offerData(new Mark(streamSid, mark));
            pendingKeys.lastMark = mark;
        }
    }

    /** The keys have played (their last mark is back) or, {@code confirmed} false, their marks did not come in time. */
    private void keysPressed(boolean confirmed) {
        PendingKeys keys = pendingKeys;
        pendingKeys = null;
        cancelTimer(keys.timer);
        long latency = now() - keys.startedMs;
        recordCall(keys.callId, ToolCatalog.SEND_DTMF, keys.arguments, ToolCompleted.OK, latency);
        if (!confirmed) {
            log.warn("call {}: no mark came back for the keys pressed within {} ms", call.callSid(), latency);
        }
        giveOutput(keys.callId, json("ok", true, "keys_pressed", DtmfTones.keyCount(keys.keys), "played", confirmed),
                keys.generation);
        lastActivityMs = now();
    }

    /** Keys not yet pressed when the agent is stopped: the fallback clip or the end clears them. */
    private void cancelKeys() {
        if (pendingKeys != null) {
            cancelTimer(pendingKeys.timer);
            toolSummaries.add(new ToolSummary(pendingKeys.callId, ToolCatalog.SEND_DTMF, "cancelled",
                    now() - pendingKeys.startedMs));
            pendingKeys = null;
        }
    }

    /** The keys as the model wrote them, spaces and dashes dropped and column-four letters in capitals. */
    private static String keysOf(Object digits) {
        if (!(digits instanceof String text)) {
            return null;
        }
        StringBuilder keys = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 'a' && c <= 'd') {
                keys.append(Character.toUpperCase(c));
            } else if (c != ' ' && c != '-') {
                keys.append(c);
            }
        }
        return keys.toString();
    }

    private PendingTool requestTool(String callId, String name, Map<String, Object> arguments) {
        PendingTool pending = new PendingTool(callId, name, arguments, now(), generation,
                spans.tool(name, callId));
        tools.put(callId, pending);
        deps.pendingTools().register(callId, reply -> emit(new ToolReplied(reply)));
        pending.timers.add(schedule(deps.bridge().toolTimeout(), () -> new ToolTimedOut(callId)));
        publish(new ToolRequested(callId, name, arguments, agentVersionId, (String) state.get("intent"),
                verifiedAccount != null, call.callerNumber(), Topics.toolReplies(deps.bridge().instanceId()),
                verifiedAccount));
        return pending;
    }

    /**
     * The agent's report through {@code update_session}: state fields are merged into the call's state (and published
     * when they change), and the contract's limits decide whether the agent goes on, hands over or ends the call.
     */
    private void updateSession(String callId, Map<String, Object> arguments) {
        if (arguments == null || arguments.keySet().stream().noneMatch(ToolCatalog::isReportField)) {
            answerTool(callId, "{\"ok\":false,\"reason\":\"no known session fields\"}", null, generation);
            return;
        }
        learn(AgentState.asReported(arguments, verifiedAccount != null));
        ContractGuard.Verdict verdict = contract.onReport(arguments);
        if (verdict instanceof ContractGuard.HandOver handover) {
            handOver(handover.reason(), handover.detail(), handover.byCallback(), handover.target());
        } else if (verdict instanceof ContractGuard.EndCall endCall) {
            endByContract(callId, endCall);
        } else {
            String instruction = ((ContractGuard.Proceed) verdict).instruction();
            answerTool(callId, instruction == null ? "{\"ok\":true}"
                    : EventCodec.mapper().writeValueAsString(Map.of("ok", true, "instruction", instruction)),
                    null, generation);
        }
    }

    /**
     * What is known of the call when it is answered: nobody verified, no consent asked, the call with this agent, in
     * the runtime config's language. The model's {@code update_session} reports and tools' results refine it.
     */
    private Map<String, String> initialState() {
        Map<String, String> known = new LinkedHashMap<>();
        known.put("caller_identity", "unknown");
        known.put("consent_state", "not_asked");
        known.put("route", "agent:" + call.agentKey());
        known.put("current_task", setup.greeting() != null ? "greeting" : "listening");
        if (setup.update().language() != null) {
            known.put("language", setup.update().language());
        }
        return known;
    }

    /** Merges the known state fields of {@code fields} into the call's state; publishes the state when it changed. */
    private void learn(Map<String, ?> fields) {
        Map<String, Object> next = new LinkedHashMap<>(state);
        for (Map.Entry<String, ?> field : fields.entrySet()) {
            if (ToolCatalog.SESSION_FIELDS.contains(field.getKey()) && field.getValue() != null) {
                next.put(field.getKey(), redaction.apply(String.valueOf(field.getValue())));
            }
        }
        if (!next.equals(state)) {
            state = Map.copyOf(next);
            publish(new SessionStateChanged(state));
        }
    }

    /**
     * The contract ends the call (a safety concern it answers with {@code end_call}): the agent says a short goodbye,
     * and the watchdog hangs up once it has been heard, or after {@link #CLOSING_LIMIT}.
     */
    private void endByContract(String callId, ContractGuard.EndCall verdict) {
        closingEnd = "contract_" + verdict.reason();
        closingSinceMs = now();
        escalationReason = verdict.reason();
        tags.add("ended_by_contract");
        log.info("call {}: the contract ends the call ({})", call.callSid(), verdict.detail());
        line(LogLine.WARN, "the call is ended by the agent's contract: " + verdict.detail());
        answerTool(callId, "{\"ok\":true,\"instruction\":\"the call ends after your goodbye\"}",
                CLOSING_INSTRUCTIONS, generation);
    }

    private void onToolReply(ToolCompleted reply) {
        PendingTool pending = tools.remove(reply.toolCallId());
        if (pending == null) {
            return;
        }
        pending.timers.forEach(this::cancelTimer);
        long latency = now() - pending.startedMs;
        recordCall(pending.callId, pending.tool, pending.arguments, reply.status(), latency);
        spans.toolDone(pending.span, reply.status());
        if (ToolCompleted.OK.equals(reply.status())) {
            if (becameCallback(pending.tool, reply)) {
                callbackInsteadOfTransfer = true;
                learn(Map.of("route", "callback"));
            } else {
                verifiedAccount = AgentState.verifiedAccount(pending.tool, reply.output(), verifiedAccount);
                learn(AgentState.learnedFrom(pending.tool, reply.output()));
            }
        }
        if (pending.handover) {
            onHandoverReply(pending, reply);
            return;
        }
        // the model's transfer could not be confirmed, but Twilio stopped the stream: it took the call
        boolean transferredUnconfirmed = twilioGone != null && unconfirmed(pending.tool, reply);
        if ("escalation".equals(pending.tool) && (ToolCompleted.OK.equals(reply.status()) || transferredUnconfirmed)) {
            escalationReason = String.valueOf(pending.arguments.getOrDefault("reason", "escalated"));
        }
        if (twilioGone != null) {
            if (transferredUnconfirmed) {
                transferSeenByStop();
            }
            endOnceTransferAnswered();
            return;
        }
        if (handingOver) {
            return;
        }
        if (AgentState.failedVerification(pending.tool, reply.output())
                && contract.onFailedVerification() instanceof ContractGuard.HandOver handover) {
            handOver(handover.reason(), handover.detail(), handover.byCallback(), handover.target());
            return;
        }
        if (ToolCompleted.TIMEOUT.equals(reply.status())) {
            // the executor cut the tool off at its own limit, before the bridge's: the same apology or fallback
            toolTimedOut(pending, "the " + pending.tool + " tool timed out in the tool executor");
            return;
        }
        String output = ToolCompleted.OK.equals(reply.status())
                ? EventCodec.mapper().writeValueAsString(reply.output() == null ? Map.of() : reply.output())
                : orDefault(reply.reason(), "The tool answered " + reply.status() + ".");
        if (reply.output() != null && Boolean.TRUE.equals(reply.output().get("requires_handover"))) {
            Object why = reply.output().get("handover_reason");
            handOver("requires_handover: " + (why == null ? pending.tool : why), null);
            return;
        }
        lastActivityMs = now();
        answerTool(pending.callId, output, null, pending.generation);
    }

    private void onToolSlow(String callId) {
        PendingTool pending = tools.get(callId);
        if (pending != null && !responseActive && !handingOver && !callerSpeaking) {
            line(LogLine.INFO, "tool " + pending.tool + " slower than " + deps.bridge().fillerThreshold().toMillis()
                    + " ms: a filler is spoken");
            sendResponse(new ResponseCreate(deps.bridge().fillerInstructions()));
        }
    }

    private void onToolTimeout(String callId) {
        if (pendingKeys != null && pendingKeys.callId.equals(callId)) {
            keysPressed(false);
            return;
        }
        PendingTool pending = tools.remove(callId);
        if (pending == null) {
            return;
        }
        deps.pendingTools().forget(callId);
        pending.timers.forEach(this::cancelTimer);
        long latency = now() - pending.startedMs;
        recordCall(callId, pending.tool, pending.arguments, ToolCompleted.TIMEOUT, latency);
        spans.toolDone(pending.span, ToolCompleted.TIMEOUT);
        if (pending.handover) {
            onHandoverReply(pending, new ToolCompleted(callId, pending.tool, ToolCompleted.TIMEOUT, null,
                    "no answer within " + deps.bridge().toolTimeout().toMillis() + " ms", latency));
        } else if (twilioGone != null) {
            endOnceTransferAnswered();
        } else if (!handingOver) {
            toolTimedOut(pending, "the " + pending.tool + " tool did not answer within "
                    + deps.bridge().toolTimeout().toMillis() + " ms");
        }
    }

    /**
     * A tool that did not answer in time (the bridge's limit or the executor's): never silence. When the contract
     * names where a call it cannot finish goes, the fallback clip apologises and the call is transferred there;
     * otherwise the model is told and asked to apologise.
     */
    private void toolTimedOut(PendingTool pending, String detail) {
        if (contract.fallbackDestination() != null && allowedTools.contains("escalation")) {
            handOver("tool_timeout: " + pending.tool, detail);
        } else {
            answerTool(pending.callId, "The tool did not answer in time.", deps.bridge().apologyInstructions(),
                    pending.generation);
        }
    }

    /**
     * An escalation the executor sent but could not confirm ({@code outcome: unconfirmed}, status failed: the tool
     * executor's {@code EscalationTool.UNCONFIRMED}): Twilio may or may not have transferred the call.
     */
    private static boolean unconfirmed(String tool, ToolCompleted reply) {
        return "escalation".equals(tool) && ToolCompleted.FAILED.equals(reply.status()) && reply.output() != null
                && UNCONFIRMED.equals(reply.output().get("outcome"));
    }

    /** An escalation the executor answered with a callback: nobody could take the transfer. */
    private static boolean becameCallback(String tool, ToolCompleted reply) {
        return "escalation".equals(tool) && reply.output() != null
                && Outcome.CALLBACK_CREATED.wire().equals(reply.output().get("outcome"));
    }

    /**
     * A function call's output for the model ({@link #giveOutput}), then a response so the agent speaks about it.
     */
    private void answerTool(String callId, String output, String instructions, int toolGeneration) {
        giveOutput(callId, output, toolGeneration);
        requestResponse(new ResponseCreate(instructions));
    }

    /**
     * A function call's output for the model. A call made in an earlier model session (before a reconnect) is unknown
     * to the current one: its result goes in as text.
     */
    private void giveOutput(String callId, String output, int toolGeneration) {
        UserText asText = new UserText("[result of an earlier request: " + output + "]");
        link.outbound().offerControl(toolGeneration == generation ? new FunctionCallOutput(callId, output) : asText);
        conversation.add(asText);
    }

    /** A function call's end: in the session record, the outcome's tool summary and the call's live log. */
    private void recordCall(String callId, String tool, Map<String, Object> arguments, String status, long latency) {
        functionCalls.add(new VoiceSessionRecord.FunctionCall(callId, tool, AgentState.withoutSecrets(arguments),
                status, latency));
        toolSummaries.add(new ToolSummary(callId, tool, status, latency));
        if (!ToolCompleted.OK.equals(status)) {
            tags.add("tool_" + status);
        }
        // the tool's name, status and time only: arguments and results can carry personal data
        line(ToolCompleted.OK.equals(status) ? LogLine.INFO : LogLine.WARN,
                "tool " + tool + ": " + status + " in " + latency + " ms");
    }

    /**
     * One response at a time, never over the caller: a request made while the model is responding waits for its
     * {@code response.done}, and one made while the caller speaks waits for the model's answer to that speech (or
     * {@link #VAD_ANSWER_WAIT} when none comes).
     */
    private void requestResponse(ResponseCreate request) {
        if (responseActive || callerSpeaking || speechStoppedMs > 0) {
            queuedResponses.add(request);
        } else {
            sendResponse(request);
        }
    }

    /** The next response asked for, unless the caller is speaking or the model is about to answer them. */
    private void sendQueuedResponse() {
        if (callerSpeaking || speechStoppedMs > 0) {
            return;
        }
        ResponseCreate next = queuedResponses.poll();
        if (next != null) {
            sendResponse(next);
        }
    }

    private void sendResponse(ResponseCreate request) {
        responseActive = true;
        lastModelEventMs = now();
        link.outbound().offerControl(request);
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

    private void end(Ending ending) {
        end(ending.reason(), ending.failure(), ending.status());
    }

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
            spans.toolDone(pending.span, "cancelled");
            toolSummaries.add(new ToolSummary(pending.callId, pending.tool, "cancelled", endedMs - pending.startedMs));
        }
        tools.clear();
        cancelKeys();
        if (link != null) {
            link.close();
        }
        toTwilio.complete();
        long startMs = wasStarted ? startedAtMs : endedMs;
        releaseTurns();
        SessionOutcome outcome = outcome(startMs, endedMs);
        // the outcome stays the session's last event
        line(LogLine.INFO, "media session ended (" + reason + "): outcome " + outcome.outcome().wire());
        publish(new SessionEnded(reason, endedMs - startMs));
        publish(outcome);
        spans.ended(outcome.outcome().wire());
        if (wasStarted) {
            record(outcome.outcome().wire(), outcome);
        }
        events.emitComplete(RETRY_CONCURRENT);
        FluxSink<SessionInput> sink = inputSink;
        if (sink != null) {
            sink.complete();
        }
        ended.emitEmpty(RETRY_CONCURRENT);
        long droppedToModel = droppedToModelBefore + (link == null ? 0 : link.outbound().dropped());
        long droppedToTwilio = toTwilio.dropped();
        log.info("call {}: session ended ({}){}{}", call.callSid(), reason, failure == null ? "" : ": " + failure,
                droppedToModel + droppedToTwilio == 0 ? "" : "; frames dropped with a full queue: " + droppedToModel
                        + " to the model, " + droppedToTwilio + " to Twilio");
    }

    private SessionOutcome outcome(long startMs, long endedMs) {
        List<ToolSummary> summaries = List.copyOf(toolSummaries);
        var outcome = OutcomeRules.decide(failure, summaries, callerSpoke, agentAnswered,
                idleEnded || endedAfterGoodbye, callbackInsteadOfTransfer, transferSeen);
        String summary = failure != null ? failure
                : String.format(Locale.ROOT, "%d caller turns, %d agent turns, %d interruptions, %d tool calls%s%s",
                        callerTurns, agentTurns, interruptions, summaries.size(),
                        escalationReason == null ? "" : "; handed over: " + escalationReason,
                        durationLimitReached ? "; ended: " + MAX_CALL_DURATION + " of "
                                + limits.maxCallDuration().toSeconds() + " s reached" : "");
        return new SessionOutcome(outcome, (String) state.get("intent"), agentVersionId, call.callerNumber(),
                Instant.ofEpochMilli(startMs), Instant.ofEpochMilli(endedMs), endedMs - startMs, firstAudioMs,
                callerTurns, agentTurns, interruptions, summaries, escalationReason, summary);
    }

    /** Hands the session's record to the recorder (a bounded queue in front of the database); never waits. */
    private void record(String status, SessionOutcome outcome) {
        Object intent = state.get("intent");
        List<String> recordTags = new ArrayList<>(tags);
        if (intent != null) {
            recordTags.add("intent:" + intent);
        }
        deps.recorder().offer(new VoiceSessionRecord(recordId, call.callSid(), call.tenantId(), call.agentKey(),
                agentVersionId, call.direction(), call.callerNumber(), streamSid, status,
                outcome == null ? null : outcome.escalationReason(), startedAt,
                outcome == null ? null : outcome.endedAt(), outcome == null ? null : outcome.durationMs(),
                firstAudioMs, state, List.copyOf(transcript), List.copyOf(functionCalls),
                outcome == null ? null : outcome.summary(), List.copyOf(recordTags), deps.bridge().instanceId()));
    }

    // ---- plumbing ------------------------------------------------------------------------------------------

    /**
     * A line for the call's live log ({@code voice.logs.v1}, shown by the gateway's log stream), in order with the
     * session's other events. What an operator watching the call needs, never personal data.
     */
    private void line(String level, String message) {
        publish(new LogLine(level, message));
    }

    private void publish(VoiceEvent event) {
        events.emitNext(EventEnvelope.of(deps.source(), call.tenantId(), call.callSid(), event), RETRY_CONCURRENT);
    }

    /** Publishes in order, retrying through a broker outage; gives up (logged) only after the deadline. */
    private Mono<Void> publishQuietly(EventEnvelope<?> envelope) {
        return Mono.defer(() -> deps.publisher().publish(envelope))
                .timeout(Duration.ofSeconds(15))
                .retryWhen(PUBLISH_RETRY.doBeforeRetry(signal -> {
                    if (signal.totalRetries() == 0) {
                        log.warn("call {}: publishing {} failed, retrying: {}", call.callSid(),
                                envelope.type().wireName(), signal.failure().toString());
                    }
                }))
                .timeout(PUBLISH_DEADLINE)
                .onErrorResume(e -> {
                    log.warn("call {}: could not publish {}: {}", call.callSid(), envelope.type().wireName(),
                            e.toString());
                    return Mono.empty();
                });
    }

    private void emit(SessionInput input) {
        FluxSink<SessionInput> sink = inputSink;
        if (sink != null) {
            sink.next(input);
        }
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

    /** A JSON object of the given name/value pairs, in that order. */
    private static String json(Object... pairs) {
        Map<String, Object> object = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            object.put((String) pairs[i], pairs[i + 1]);
        }
        return EventCodec.mapper().writeValueAsString(object);
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    /** How a session ends: its reason, its failure (null when it did not fail) and the status Twilio's socket gets. */
    private record Ending(String reason, String failure, CloseStatus status) {
    }

    /** Keys the agent is pressing, until their last mark comes back. */
    private static final class PendingKeys {
        final String callId;
        final String keys;
        final Map<String, Object> arguments;
        final List<String> chunks;
        final long startedMs;
        final int generation;
        final Disposable timer;
        /** The mark after the last key of the latest time the keys were queued. */
        String lastMark;

        PendingKeys(String callId, String keys, Map<String, Object> arguments, List<String> chunks, long startedMs,
                    int generation, Disposable timer) {
            this.callId = callId;
            this.keys = keys;
            this.arguments = arguments;
            this.chunks = chunks;
            this.startedMs = startedMs;
            this.generation = generation;
            this.timer = timer;
        }
    }

    /** A tool call waiting for its reply. */
    private static final class PendingTool {
        final String callId;
        final String tool;
        final Map<String, Object> arguments;
        final long startedMs;
        final Observation span;
        final List<Disposable> timers = new ArrayList<>(2);
        int generation;
        boolean handover;
        /** A hand-over asked a second time after its first attempt timed out. */
        boolean retried;

        PendingTool(String callId, String tool, Map<String, Object> arguments, long startedMs, int generation,
                    Observation span) {
            this.callId = callId;
            this.tool = tool;
            this.arguments = arguments;
            this.startedMs = startedMs;
            this.generation = generation;
            this.span = span;
        }

        /** Whether this tool call may take the phone call away, so that Twilio's stop may come before its reply. */
        boolean takesTheCall() {
            return handover || ToolCatalog.takesTheCall(tool);
        }
    }
}
