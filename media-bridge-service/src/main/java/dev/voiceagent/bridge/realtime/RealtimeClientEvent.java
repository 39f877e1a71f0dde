package dev.voiceagent.bridge.realtime;

import java.util.List;
import java.util.Map;

/** The client events the bridge sends to the realtime model. */
public sealed interface RealtimeClientEvent {

    /**
     * Configures the session: μ-law in and out, server VAD, input transcription, tools, and the trace the session
     * is recorded under (null: none).
     */
    record SessionUpdate(String model, String instructions, String voice, String transcriptionModel,
                         String language, List<FunctionTool> tools, Tracing tracing) implements RealtimeClientEvent {

        /** Without a trace. */
        public SessionUpdate(String model, String instructions, String voice, String transcriptionModel,
                             String language, List<FunctionTool> tools) {
            this(model, instructions, voice, transcriptionModel, language, tools, null);
        }

        /** The same configuration, traced as given. */
        public SessionUpdate traced(Tracing value) {
            return new SessionUpdate(model, instructions, voice, transcriptionModel, language, tools, value);
        }
    }

    /**
     * {@code session.tracing}: the workflow, group and metadata OpenAI's traces dashboard files the session under.
     * The bridge names the call in them, so a session can be found by call SID (and the realtime simulator plays
     * the call's script by it). Set once per session: the API refuses to change it later.
     */
    record Tracing(String workflowName, String groupId, Map<String, String> metadata) {
    }

    /** A function the model may call, with its JSON Schema. */
    record FunctionTool(String name, String description, Map<String, Object> parameters) {
    }

    /** Caller audio, base64 μ-law exactly as Twilio sent it. */
    record InputAudioAppend(String audio) implements RealtimeClientEvent {
    }

    /** A user text message (DTMF digits reach the model this way). */
    record UserText(String text) implements RealtimeClientEvent {
    }

    /** An earlier agent turn, replayed as text when a model session is rebuilt with the conversation so far. */
    record AssistantText(String text) implements RealtimeClientEvent {
    }

    /** The result of a function call; {@code output} is a string (JSON text or a speakable reason). */
    record FunctionCallOutput(String callId, String output) implements RealtimeClientEvent {
    }

    /** Asks for a response, optionally with instructions for this response only. */
    record ResponseCreate(String instructions) implements RealtimeClientEvent {
    }

    /** Cancels the response in progress. */
    record ResponseCancel() implements RealtimeClientEvent {
    }

    /** Cuts an assistant audio item at what the caller actually heard. */
    record ItemTruncate(String itemId, int contentIndex, long audioEndMs) implements RealtimeClientEvent {
    }
}
