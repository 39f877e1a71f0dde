package dev.voiceagent.testkit.realtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** What the realtime simulator observed in one client session; safe to read from tests while the session runs. */
public final class ObservedSession {

    /** A {@code function_call_output} item the client sent. */
    public record FunctionCallOutput(String callId, String output) {
    }

    /** A {@code conversation.item.truncate} the client sent. */
    public record Truncation(String itemId, int contentIndex, long audioEndMs) {
    }

    private static final int MAX_FRAMES_PER_TYPE = 500;

    private final String id;
    private final String authorization;
    private final String model;
    private final Map<String, Integer> eventCounts = new LinkedHashMap<>();
    private final Map<String, List<String>> eventFrames = new LinkedHashMap<>();
    private final List<FunctionCallOutput> functionCallOutputs = new ArrayList<>();
    private final List<Truncation> truncations = new ArrayList<>();
    private final List<String> callerTranscripts = new ArrayList<>();
    private final List<String> agentTranscripts = new ArrayList<>();
    private final List<String> toolCalls = new ArrayList<>();
    private JsonNode lastSessionUpdate;
    private String script;
    private boolean closed;
    private String fault;

    ObservedSession(String id, String authorization, String model) {
        this.id = id;
        this.authorization = authorization;
        this.model = model;
    }

    /** The session id sent in {@code session.created}. */
    public String id() {
        return id;
    }

    /** The handshake's {@code Authorization} header value, or null. */
    public String authorization() {
        return authorization;
    }

    /** The handshake's {@code model} query parameter, or null. */
    public String model() {
        return model;
    }

    /** How many client events of this type arrived (malformed frames count as {@code "malformed"}). */
    public synchronized int count(String type) {
        return eventCounts.getOrDefault(type, 0);
    }

    /** Client event counts by type, in order of first arrival. */
    public synchronized Map<String, Integer> eventCounts() {
        return Map.copyOf(eventCounts);
    }

    /** The raw JSON frames of this type (audio appends are counted, not kept; at most 500 a type). */
    public synchronized List<String> events(String type) {
        return List.copyOf(eventFrames.getOrDefault(type, List.of()));
    }

    /** The name of the per-call script this session played, or null when it played the default scenario. */
    public synchronized String script() {
        return script;
    }

    synchronized void scripted(String name) {
        script = name;
    }

    /** The {@code session} object of the last {@code session.update}, or null. */
    public synchronized JsonNode lastSessionUpdate() {
        return lastSessionUpdate;
    }

    /** The function_call_output items received, in order. */
    public synchronized List<FunctionCallOutput> functionCallOutputs() {
        return List.copyOf(functionCallOutputs);
    }

    /** The truncations received, in order. */
    public synchronized List<Truncation> truncations() {
        return List.copyOf(truncations);
    }

    /** What the simulated caller said, as transcribed to the client. */
    public synchronized List<String> callerTranscripts() {
        return List.copyOf(callerTranscripts);
    }

    /** What the simulated model said (placeholders filled). */
    public synchronized List<String> agentTranscripts() {
        return List.copyOf(agentTranscripts);
    }

    /** The names of the tools the simulated model called, in order. */
    public synchronized List<String> toolCalls() {
        return List.copyOf(toolCalls);
    }

    /** Whether the client's socket has closed. */
    public synchronized boolean closed() {
        return closed;
    }

    synchronized void received(String type, String frame) {
        eventCounts.merge(type, 1, Integer::sum);
        if (!RealtimeEventNames.INPUT_AUDIO_BUFFER_APPEND.equals(type)) {
            List<String> frames = eventFrames.computeIfAbsent(type, t -> new ArrayList<>());
            if (frames.size() < MAX_FRAMES_PER_TYPE) {
                frames.add(frame);
            }
        }
    }

    synchronized void sessionUpdated(JsonNode session) {
        lastSessionUpdate = session;
    }

    synchronized void functionCallOutput(String callId, String output) {
        functionCallOutputs.add(new FunctionCallOutput(callId, output));
    }

    synchronized void truncated(String itemId, int contentIndex, long audioEndMs) {
        truncations.add(new Truncation(itemId, contentIndex, audioEndMs));
    }

    synchronized void callerSaid(String transcript) {
        callerTranscripts.add(transcript);
    }

    synchronized void agentSaid(String transcript) {
        agentTranscripts.add(transcript);
    }

    synchronized void toolCalled(String name) {
        toolCalls.add(name);
    }

    synchronized void markClosed() {
        closed = true;
    }

    @Override
    public synchronized String toString() {
        return "ObservedSession[" + id + ", events=" + eventCounts + ", caller=" + callerTranscripts
                + ", agent=" + agentTranscripts + ", tools=" + toolCalls + ", closed=" + closed + "]";
    }

    synchronized void faulted(String kind) {
        fault = kind;
    }

    /** The fault this session played ({@code "drop"} or {@code "stall"}), or null. */
    public synchronized String fault() {
        return fault;
    }
}
