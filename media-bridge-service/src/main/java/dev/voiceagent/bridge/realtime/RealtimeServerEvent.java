package dev.voiceagent.bridge.realtime;

/** The server events of the realtime model that the bridge acts on; everything else is skipped by the codec. */
public sealed interface RealtimeServerEvent {

    /** The socket is open and a session exists. */
    record SessionCreated(String sessionId) implements RealtimeServerEvent {
    }

    /** The model accepted a {@code session.update}. */
    record SessionUpdated(String sessionId) implements RealtimeServerEvent {
    }

    /** Server VAD heard the caller start speaking. */
    record SpeechStarted(String itemId, long audioStartMs) implements RealtimeServerEvent {
    }

    /** Server VAD heard the caller stop speaking. */
    record SpeechStopped(String itemId, long audioEndMs) implements RealtimeServerEvent {
    }

    /** The caller's words, transcribed. */
    record InputTranscriptionCompleted(String itemId, String transcript) implements RealtimeServerEvent {
    }

    /** The model started a response. */
    record ResponseCreated(String responseId) implements RealtimeServerEvent {
    }

    /** A chunk of agent audio, base64 in the session's output format (μ-law). */
    record OutputAudioDelta(String responseId, String itemId, String delta) implements RealtimeServerEvent {
    }

    /** The agent's audio for an item is complete. */
    record OutputAudioDone(String responseId, String itemId) implements RealtimeServerEvent {
    }

    /** The agent's words for an item. */
    record OutputAudioTranscriptDone(String responseId, String itemId, String transcript)
            implements RealtimeServerEvent {
    }

    /** The model called a function; {@code arguments} is a JSON string. */
    record FunctionCallArgumentsDone(String responseId, String itemId, String callId, String name,
                                     String arguments) implements RealtimeServerEvent {
    }

    /**
     * A response finished: {@code completed}; {@code cancelled} (the caller's speech or the bridge's cancel);
     * {@code incomplete} (the output limit or the content filter cut it off); or {@code failed} (a rate limit, the
     * quota, a server error: nothing more is said, and the socket stays open). {@code errorCode} is a failed
     * response's error code, else its error type; null otherwise.
     */
    record ResponseDone(String responseId, String status, String errorCode) implements RealtimeServerEvent {

        public static final String COMPLETED = "completed";
        public static final String FAILED = "failed";

        /** A response that ended without an error. */
        public ResponseDone(String responseId, String status) {
            this(responseId, status, null);
        }

        public boolean completed() {
            return COMPLETED.equals(status);
        }

        public boolean failed() {
            return FAILED.equals(status);
        }
    }

    /** The model reported an error; most are about one client event, not fatal to the session. */
    record Error(String type, String code, String message, String eventId) implements RealtimeServerEvent {
    }
}
