package dev.voiceagent.testkit.realtime;

import tools.jackson.databind.JsonNode;

/** What a client (the bridge) sends to the realtime simulator, decoded by {@link RealtimeSimCodec}. */
public sealed interface RealtimeClientEvent {

    /** The client's {@code event_id}, or null. */
    String eventId();

    /** {@code session.update}. */
    record SessionUpdate(String eventId, JsonNode session) implements RealtimeClientEvent {
    }

    /** {@code input_audio_buffer.append} with base64 audio. */
    record InputAudioAppend(String eventId, String audio) implements RealtimeClientEvent {
    }

    /** {@code conversation.item.create} carrying a {@code function_call_output}. */
    record FunctionCallOutput(String eventId, String callId, String output) implements RealtimeClientEvent {
    }

    /** {@code conversation.item.create} carrying a user message (its text parts joined). */
    record UserMessage(String eventId, String text) implements RealtimeClientEvent {
    }

    /** {@code response.create}; {@code instructions} is the explicit {@code response.instructions}, or null. */
    record ResponseCreate(String eventId, String instructions) implements RealtimeClientEvent {
    }

    /** {@code response.cancel}. */
    record ResponseCancel(String eventId) implements RealtimeClientEvent {
    }

    /** {@code conversation.item.truncate}. */
    record ItemTruncate(String eventId, String itemId, int contentIndex, long audioEndMs) implements RealtimeClientEvent {
    }

    /** A well-formed event the simulator does not know or cannot use. */
    record Unsupported(String eventId, String type, String reason) implements RealtimeClientEvent {
    }

    /** A frame that is not a JSON object with a {@code type}. */
    record Malformed(String eventId, String reason) implements RealtimeClientEvent {
    }
}
