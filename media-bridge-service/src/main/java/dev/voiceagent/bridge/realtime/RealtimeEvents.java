package dev.voiceagent.bridge.realtime;

/** The OpenAI Realtime (GA) event names the bridge speaks; the only place they are spelled. */
public final class RealtimeEvents {

    public static final String SESSION_CREATED = "session.created";
    public static final String SESSION_UPDATED = "session.updated";
    public static final String SPEECH_STARTED = "input_audio_buffer.speech_started";
    public static final String SPEECH_STOPPED = "input_audio_buffer.speech_stopped";
    public static final String INPUT_TRANSCRIPTION_COMPLETED = "conversation.item.input_audio_transcription.completed";
    public static final String RESPONSE_CREATED = "response.created";
    public static final String OUTPUT_AUDIO_DELTA = "response.output_audio.delta";
    public static final String OUTPUT_AUDIO_DONE = "response.output_audio.done";
    public static final String OUTPUT_AUDIO_TRANSCRIPT_DONE = "response.output_audio_transcript.done";
    public static final String FUNCTION_CALL_ARGUMENTS_DONE = "response.function_call_arguments.done";
    public static final String RESPONSE_DONE = "response.done";
    public static final String ERROR = "error";

    public static final String SESSION_UPDATE = "session.update";
    public static final String INPUT_AUDIO_BUFFER_APPEND = "input_audio_buffer.append";
    public static final String CONVERSATION_ITEM_CREATE = "conversation.item.create";
    public static final String CONVERSATION_ITEM_TRUNCATE = "conversation.item.truncate";
    public static final String RESPONSE_CREATE = "response.create";
    public static final String RESPONSE_CANCEL = "response.cancel";

    private RealtimeEvents() {
    }
}
