package dev.voiceagent.bridge.realtime;

import java.util.List;
import java.util.Map;

/** The client events the bridge sends to the realtime model. */
public sealed interface RealtimeClientEvent {

    /** Configures the session: μ-law in and out, server VAD, input transcription, tools. */
    record SessionUpdate(String model, String instructions, String voice, String transcriptionModel,
                         String language, List<FunctionTool> tools) implements RealtimeClientEvent {
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
