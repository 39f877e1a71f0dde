package dev.voiceagent.testkit.realtime;

import dev.voiceagent.testkit.audio.EnergyVad;
import dev.voiceagent.testkit.audio.Tones;
import dev.voiceagent.testkit.scenario.ModelAction;
import dev.voiceagent.testkit.scenario.Scenario;
import dev.voiceagent.testkit.scenario.Turn;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One simulated model session: runs the VAD over appended audio, turns caller utterances into the scenario's
 * transcripts and model actions, and queues the server events. Every entry point is synchronized, so events
 * leave in one order and the unicast sink is never emitted to concurrently.
 */
final class RealtimeSimSession {

    private static final Logger log = LoggerFactory.getLogger(RealtimeSimSession.class);
    private static final int OUTBOUND_QUEUE = 8192;
    private static final int AUDIO_MS_PER_WORD = 50;
    private static final int MIN_AUDIO_MS = 200;
    private static final int DELTA_MS = 100;
    private static final double AGENT_TONE_HZ = 440;

    private final String id;
    private Scenario scenario;
    private final ObservedSession observed;
    private final JsonMapper json;
    private final RealtimeFault fault;
    private final Consumer<RealtimeFault.Kind> onFault;
    private final Sinks.Many<RealtimeServerEvent> outbound =
            Sinks.many().unicast().onBackpressureBuffer(Queues.<RealtimeServerEvent>get(OUTBOUND_QUEUE).get());
    private final EnergyVad vad = new EnergyVad();
    private final Deque<ModelAction> pending = new ArrayDeque<>();
    private final ObjectNode session;
    private Map<String, Object> lastToolOutput = Map.of();
    private long ids;
    private int nextTurn;
    private boolean callerSpoke;
    private boolean greeted;
    /** A function call is out and its output not yet in: the turn's remaining actions wait for it. */
    private boolean awaitingToolOutput;
    private boolean vadEnabled = true;
    private String speechItemId;
    private String lastItemId;
    private int audioDeltas;
    /** Set once a drop or stall has hit: nothing more goes out and what comes in is ignored. */
    private boolean faulted;

    RealtimeSimSession(String id, Scenario scenario, ObservedSession observed, JsonMapper json) {
        this(id, scenario, observed, json, RealtimeFault.none(), kind -> { });
    }

    /** A session that plays {@code fault} (a drop or a stall) and reports it to {@code onFault} when it hits. */
    RealtimeSimSession(String id, Scenario scenario, ObservedSession observed, JsonMapper json, RealtimeFault fault,
                       Consumer<RealtimeFault.Kind> onFault) {
        this.id = id;
        this.scenario = scenario;
        this.observed = observed;
        this.json = json;
        this.fault = fault;
        this.onFault = onFault;
        this.session = initialSession(id, observed.model(), json);
    }

    /** The server events of this session, in order; completes when the session closes. */
    Flux<RealtimeServerEvent> events() {
        return outbound.asFlux();
    }

    /** Plays this script instead, unless the conversation has already begun. */
    synchronized void useScript(Scenario script) {
        if (nextTurn == 0 && !greeted) {
            scenario = script;
            observed.scripted(script.name());
        }
    }

    synchronized void open() {
        emit(new RealtimeServerEvent.SessionCreated(session.deepCopy()));
    }

    synchronized void close() {
        observed.markClosed();
        outbound.tryEmitComplete();
    }

    synchronized void onFrame(String frame, RealtimeClientEvent event) {
        observed.received(typeOf(event), frame);
        if (faulted) {
            return;
        }
        try {
            dispatch(event);
        } catch (RuntimeException e) {
            log.debug("realtime sim session {} could not handle {}", id, typeOf(event), e);
            emit(new RealtimeServerEvent.Error("invalid_value", e.getMessage(), event.eventId()));
        }
    }

    private void dispatch(RealtimeClientEvent event) {
        if (event instanceof RealtimeClientEvent.InputAudioAppend append) {
            onAudio(Base64.getDecoder().decode(append.audio()));
        } else if (event instanceof RealtimeClientEvent.SessionUpdate update) {
            onSessionUpdate(update.session());
        } else if (event instanceof RealtimeClientEvent.FunctionCallOutput output) {
            onFunctionCallOutput(output);
        } else if (event instanceof RealtimeClientEvent.UserMessage message) {
            onUserMessage(message.text());
        } else if (event instanceof RealtimeClientEvent.ResponseCreate create) {
            onResponseCreate(create.instructions());
        } else if (event instanceof RealtimeClientEvent.ResponseCancel) {
            pending.clear();
        } else if (event instanceof RealtimeClientEvent.ItemTruncate truncate) {
            observed.truncated(truncate.itemId(), truncate.contentIndex(), truncate.audioEndMs());
            emit(new RealtimeServerEvent.ItemTruncated(truncate.itemId(), truncate.contentIndex(), truncate.audioEndMs()));
        } else if (event instanceof RealtimeClientEvent.Unsupported unsupported) {
            emit(new RealtimeServerEvent.Error("invalid_value", unsupported.reason(), unsupported.eventId()));
        } else if (event instanceof RealtimeClientEvent.Malformed malformed) {
            emit(new RealtimeServerEvent.Error("invalid_json", malformed.reason(), null));
        }
    }

    private void onSessionUpdate(JsonNode update) {
        if (update.isObject()) {
            update.properties().forEach(field -> session.set(field.getKey(), field.getValue()));
            JsonNode input = update.path("audio").path("input");
            if (input.has("turn_detection")) {
                vadEnabled = !input.get("turn_detection").isNull();
            }
        }
        observed.sessionUpdated(update);
        emit(new RealtimeServerEvent.SessionUpdated(session.deepCopy()));
    }

    private void onAudio(byte[] mulaw) {
        List<EnergyVad.Event> boundaries = vad.accept(mulaw);
        if (!vadEnabled) {
            return;
        }
        for (EnergyVad.Event boundary : boundaries) {
            if (boundary instanceof EnergyVad.Event.SpeechStarted started) {
                speechItemId = nextId("item");
                emit(new RealtimeServerEvent.SpeechStarted(started.audioStartMs(), speechItemId));
            } else if (boundary instanceof EnergyVad.Event.SpeechStopped stopped) {
                emit(new RealtimeServerEvent.SpeechStopped(stopped.audioEndMs(), speechItemId));
                emit(new RealtimeServerEvent.Committed(lastItemId, speechItemId));
                lastItemId = speechItemId;
                onCallerUtterance(speechItemId);
            }
        }
    }

    private void onCallerUtterance(String itemId) {
        Turn turn = scenario.turn(nextTurn++).orElse(null);
        String transcript = turn == null ? "" : turn.callerSays();
        callerSpoke = true;
        observed.callerSaid(transcript);
        emit(new RealtimeServerEvent.TranscriptionCompleted(itemId, transcript));
        startTurn(turn);
        runPending();
    }

    private void onUserMessage(String text) {
        callerSpoke = true;
        observed.callerSaid(text);
        startTurn(scenario.turn(nextTurn++).orElse(null));
    }

    private void startTurn(Turn turn) {
        pending.clear();
        awaitingToolOutput = false;
        if (turn != null) {
            pending.addAll(turn.modelActions());
        }
    }

    @SuppressWarnings("unchecked")
    private void onFunctionCallOutput(RealtimeClientEvent.FunctionCallOutput output) {
        observed.functionCallOutput(output.callId(), output.output());
        awaitingToolOutput = false;
        try {
            JsonNode parsed = output.output() == null ? null : json.readTree(output.output());
            lastToolOutput = parsed != null && parsed.isObject() ? json.convertValue(parsed, Map.class) : Map.of();
        } catch (JacksonException e) {
            lastToolOutput = Map.of();
        }
    }

    private void onResponseCreate(String instructions) {
        if (!callerSpoke && !greeted && pending.isEmpty()) {
            greeted = true;
            String greeting = scenario.greeting() != null ? scenario.greeting() : instructions;
            if (greeting != null) {
                say(greeting);
            } else {
                emptyResponse();
            }
        } else if (instructions != null) {
            // an instructed response replaces the turn's plan, except while a tool call is out: then it is said
            // in the meantime (a filler) and the plan goes on once the output arrives
            if (!awaitingToolOutput) {
                pending.clear();
            }
            say(instructions);
        } else if (pending.isEmpty()) {
            emptyResponse();
        } else {
            runPending();
        }
    }

    /** Runs actions until a tool call, which waits for its output and the client's next {@code response.create}. */
    private void runPending() {
        while (!pending.isEmpty()) {
            ModelAction action = pending.poll();
            if (action instanceof ModelAction.Say sayAction) {
                say(sayAction.render(lastToolOutput));
            } else if (action instanceof ModelAction.CallTool call) {
                callTool(call);
                return;
            }
        }
    }

    private void say(String text) {
        String responseId = nextId("resp");
        String itemId = nextId("item");
        emit(new RealtimeServerEvent.ResponseCreated(responseId));
        emit(new RealtimeServerEvent.OutputItemAdded(responseId, new RealtimeServerEvent.OutputItem.Message(itemId, false, null)));
        emitAudio(responseId, itemId, Tones.tone(audioMs(text), AGENT_TONE_HZ));
        emit(new RealtimeServerEvent.OutputAudioDone(responseId, itemId));
        String[] words = text.split(" ");
        for (int i = 0; i < words.length; i++) {
            emit(new RealtimeServerEvent.TranscriptDelta(responseId, itemId, i == 0 ? words[i] : " " + words[i]));
        }
        emit(new RealtimeServerEvent.TranscriptDone(responseId, itemId, text));
        RealtimeServerEvent.OutputItem done = new RealtimeServerEvent.OutputItem.Message(itemId, true, text);
        emit(new RealtimeServerEvent.OutputItemDone(responseId, done));
        emit(new RealtimeServerEvent.ResponseDone(responseId, "completed", List.of(done)));
        observed.agentSaid(text);
    }

    private void emitAudio(String responseId, String itemId, byte[] audio) {
        int chunk = DELTA_MS * Tones.BYTES_PER_MS;
        for (int offset = 0; offset < audio.length; offset += chunk) {
            byte[] slice = Arrays.copyOfRange(audio, offset, Math.min(audio.length, offset + chunk));
            emit(new RealtimeServerEvent.OutputAudioDelta(responseId, itemId, Base64.getEncoder().encodeToString(slice)));
        }
    }

    private void callTool(ModelAction.CallTool call) {
        String responseId = nextId("resp");
        String itemId = nextId("item");
        String callId = nextId("call");
        String arguments = json.writeValueAsString(call.arguments());
        emit(new RealtimeServerEvent.ResponseCreated(responseId));
        emit(new RealtimeServerEvent.OutputItemAdded(responseId,
                new RealtimeServerEvent.OutputItem.FunctionCall(itemId, false, callId, call.name(), "")));
        emit(new RealtimeServerEvent.FunctionArgumentsDelta(responseId, itemId, callId, arguments));
        emit(new RealtimeServerEvent.FunctionArgumentsDone(responseId, itemId, callId, call.name(), arguments));
        RealtimeServerEvent.OutputItem done =
                new RealtimeServerEvent.OutputItem.FunctionCall(itemId, true, callId, call.name(), arguments);
        emit(new RealtimeServerEvent.OutputItemDone(responseId, done));
        emit(new RealtimeServerEvent.ResponseDone(responseId, "completed", List.of(done)));
        awaitingToolOutput = true;
        observed.toolCalled(call.name());
    }

    private void emptyResponse() {
        String responseId = nextId("resp");
        emit(new RealtimeServerEvent.ResponseCreated(responseId));
        emit(new RealtimeServerEvent.ResponseDone(responseId, "completed", List.of()));
    }

    private void emit(RealtimeServerEvent event) {
        if (faulted) {
            return;
        }
        Sinks.EmitResult result = outbound.tryEmitNext(event);
        if (result == Sinks.EmitResult.FAIL_OVERFLOW) {
            log.warn("realtime sim session {}: outbound queue full, closing", id);
            outbound.tryEmitError(new IllegalStateException("realtime simulator outbound queue overflow"));
        }
        if (event instanceof RealtimeServerEvent.OutputAudioDelta && faultsMidResponse()
                && ++audioDeltas >= fault.audioDeltas()) {
            faulted = true;
            observed.faulted(fault.kind().name().toLowerCase(Locale.ROOT));
            log.info("realtime sim session {}: {} after {} audio deltas", id, fault.kind(), audioDeltas);
            onFault.accept(fault.kind());
        }
    }

    private boolean faultsMidResponse() {
        return fault.kind() == RealtimeFault.Kind.DROP || fault.kind() == RealtimeFault.Kind.STALL;
    }

    private String nextId(String prefix) {
        return prefix + "_" + id.substring(id.indexOf('_') + 1) + "_" + (++ids);
    }

    private static int audioMs(String text) {
        int words = text.isBlank() ? 0 : text.trim().split("\\s+").length;
        return Math.max(MIN_AUDIO_MS, words * AUDIO_MS_PER_WORD);
    }

    private static String typeOf(RealtimeClientEvent event) {
        if (event instanceof RealtimeClientEvent.SessionUpdate) {
            return RealtimeEventNames.SESSION_UPDATE;
        } else if (event instanceof RealtimeClientEvent.InputAudioAppend) {
            return RealtimeEventNames.INPUT_AUDIO_BUFFER_APPEND;
        } else if (event instanceof RealtimeClientEvent.FunctionCallOutput || event instanceof RealtimeClientEvent.UserMessage) {
            return RealtimeEventNames.CONVERSATION_ITEM_CREATE;
        } else if (event instanceof RealtimeClientEvent.ResponseCreate) {
            return RealtimeEventNames.RESPONSE_CREATE;
        } else if (event instanceof RealtimeClientEvent.ResponseCancel) {
            return RealtimeEventNames.RESPONSE_CANCEL;
        } else if (event instanceof RealtimeClientEvent.ItemTruncate) {
            return RealtimeEventNames.CONVERSATION_ITEM_TRUNCATE;
        } else if (event instanceof RealtimeClientEvent.Unsupported unsupported) {
            return unsupported.type();
        }
        return "malformed";
    }

    private static ObjectNode initialSession(String id, String model, JsonMapper json) {
        ObjectNode session = json.createObjectNode().put("type", "realtime").put("object", "realtime.session")
                .put("id", id).put("model", model == null ? "gpt-realtime" : model).put("instructions", "");
        session.putArray("output_modalities").add("audio");
        ObjectNode audio = session.putObject("audio");
        ObjectNode input = audio.putObject("input");
        input.putObject("format").put("type", "audio/pcmu");
        input.putObject("turn_detection").put("type", "server_vad").put("silence_duration_ms", 300)
                .put("prefix_padding_ms", 300).put("threshold", 0.5);
        ObjectNode output = audio.putObject("output");
        output.putObject("format").put("type", "audio/pcmu");
        output.put("voice", "alloy");
        session.putArray("tools");
        return session;
    }
}
