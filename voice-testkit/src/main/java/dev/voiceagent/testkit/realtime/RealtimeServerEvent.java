package dev.voiceagent.testkit.realtime;

import java.util.List;
import tools.jackson.databind.JsonNode;

/** What the realtime simulator sends, encoded by {@link RealtimeSimCodec} in the GA wire shapes. */
public sealed interface RealtimeServerEvent {

    /** An item in a response's output. */
    sealed interface OutputItem {
        /** The item id. */
        String id();

        /** An assistant audio message; {@code transcript} is null while in progress. */
        record Message(String id, boolean completed, String transcript) implements OutputItem {
        }

        /** A function call; {@code arguments} is empty while in progress. */
        record FunctionCall(String id, boolean completed, String callId, String name, String arguments)
                implements OutputItem {
        }
    }

    record SessionCreated(JsonNode session) implements RealtimeServerEvent {
    }

    record SessionUpdated(JsonNode session) implements RealtimeServerEvent {
    }

    record SpeechStarted(long audioStartMs, String itemId) implements RealtimeServerEvent {
    }

    record SpeechStopped(long audioEndMs, String itemId) implements RealtimeServerEvent {
    }

    record Committed(String previousItemId, String itemId) implements RealtimeServerEvent {
    }

    record TranscriptionCompleted(String itemId, String transcript) implements RealtimeServerEvent {
    }

    record ItemTruncated(String itemId, int contentIndex, long audioEndMs) implements RealtimeServerEvent {
    }

    record ResponseCreated(String responseId) implements RealtimeServerEvent {
    }

    record OutputItemAdded(String responseId, OutputItem item) implements RealtimeServerEvent {
    }

    record OutputItemDone(String responseId, OutputItem item) implements RealtimeServerEvent {
    }

    record OutputAudioDelta(String responseId, String itemId, String delta) implements RealtimeServerEvent {
    }

    record OutputAudioDone(String responseId, String itemId) implements RealtimeServerEvent {
    }

    record TranscriptDelta(String responseId, String itemId, String delta) implements RealtimeServerEvent {
    }

    record TranscriptDone(String responseId, String itemId, String transcript) implements RealtimeServerEvent {
    }

    record FunctionArgumentsDelta(String responseId, String itemId, String callId, String delta)
            implements RealtimeServerEvent {
    }

    record FunctionArgumentsDone(String responseId, String itemId, String callId, String name, String arguments)
            implements RealtimeServerEvent {
    }

    record ResponseDone(String responseId, String status, List<OutputItem> output) implements RealtimeServerEvent {
    }

    /** An {@code invalid_request_error}; {@code clientEventId} names the offending client event, if known. */
    record Error(String code, String message, String clientEventId) implements RealtimeServerEvent {
    }
}
