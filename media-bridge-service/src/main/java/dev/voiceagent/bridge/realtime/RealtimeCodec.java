package dev.voiceagent.bridge.realtime;

import static dev.voiceagent.bridge.realtime.RealtimeEvents.*;

import dev.voiceagent.bridge.realtime.RealtimeClientEvent.AssistantText;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.FunctionCallOutput;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.FunctionTool;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.InputAudioAppend;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.ItemTruncate;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.ResponseCancel;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.ResponseCreate;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.SessionUpdate;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.UserText;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.Error;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.FunctionCallArgumentsDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.InputTranscriptionCompleted;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.OutputAudioDelta;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.OutputAudioDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.OutputAudioTranscriptDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.ResponseCreated;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.ResponseDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SessionCreated;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SessionUpdated;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SpeechStarted;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SpeechStopped;
import dev.voiceagent.bridge.support.AsciiFrames;
import dev.voiceagent.bridge.support.JsonFieldScanner;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one codec of the OpenAI Realtime GA protocol: decodes the server events the bridge uses, encodes its
 * client events. Unknown server events decode to {@link Optional#empty()} and are logged at debug, never thrown.
 * <p>
 * The audio events ({@code response.output_audio.delta} in, {@code input_audio_buffer.append} out) take a fast
 * path: a field scan instead of a JSON tree, and text written around the base64 audio. A frame the scan does not
 * accept goes through the full decoder and gets the same answer as before.
 */
public final class RealtimeCodec {

    private static final Logger log = LoggerFactory.getLogger(RealtimeCodec.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonFieldScanner AUDIO_DELTA = new JsonFieldScanner("type", "response_id", "item_id", "delta");
    private static final String APPEND_PREFIX = "{\"type\":\"" + INPUT_AUDIO_BUFFER_APPEND + "\",\"audio\":\"";
    private static final String APPEND_SUFFIX = "\"}";

    /** Parses one server frame. */
    public Optional<RealtimeServerEvent> decode(String frame) {
        byte[] utf8 = frame.getBytes(StandardCharsets.UTF_8);
        return decode(utf8, utf8.length);
    }

    /**
     * Parses the server frame in the first {@code length} bytes of {@code frame} (UTF-8), keeping no reference to
     * the array: it may be a reused buffer ({@link dev.voiceagent.bridge.support.FrameBytes}).
     */
    public Optional<RealtimeServerEvent> decode(byte[] frame, int length) {
        OutputAudioDelta fast = scanAudioDelta(frame, length);
        if (fast != null) {
            return Optional.of(fast);
        }
        JsonNode root;
        try {
            // events other than audio as text: malformed UTF-8 in a transcript is replaced, not refused
            root = JSON.readTree(new String(frame, 0, length, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw new RealtimeCodecException("realtime frame is not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new RealtimeCodecException("realtime frame must be a JSON object", null);
        }
        String type = root.path("type").asString("");
        Optional<RealtimeServerEvent> event = Optional.ofNullable(decode(type, root));
        if (event.isEmpty() && log.isDebugEnabled()) {
            log.debug("skipping realtime event '{}'", type);
        }
        return event;
    }

    /** The fast path: a plain audio delta, else null (the full decoder decides). */
    private static OutputAudioDelta scanAudioDelta(byte[] frame, int length) {
        String[] fields = new String[4];
        if (!AUDIO_DELTA.scan(frame, length, fields) || !OUTPUT_AUDIO_DELTA.equals(fields[0]) || fields[3] == null) {
            return null;
        }
        return new OutputAudioDelta(fields[1], fields[2], fields[3]);
    }

    private static RealtimeServerEvent decode(String type, JsonNode e) {
        switch (type) {
            case SESSION_CREATED:
                return new SessionCreated(text(e.path("session"), "id"));
            case SESSION_UPDATED:
                return new SessionUpdated(text(e.path("session"), "id"));
            case SPEECH_STARTED:
                return new SpeechStarted(text(e, "item_id"), e.path("audio_start_ms").asLong(0));
            case SPEECH_STOPPED:
                return new SpeechStopped(text(e, "item_id"), e.path("audio_end_ms").asLong(0));
            case INPUT_TRANSCRIPTION_COMPLETED:
                return new InputTranscriptionCompleted(text(e, "item_id"), e.path("transcript").asString(""));
            case RESPONSE_CREATED:
                return new ResponseCreated(text(e.path("response"), "id"));
            case OUTPUT_AUDIO_DELTA:
                return new OutputAudioDelta(text(e, "response_id"), text(e, "item_id"), e.path("delta").asString(""));
            case OUTPUT_AUDIO_DONE:
                return new OutputAudioDone(text(e, "response_id"), text(e, "item_id"));
            case OUTPUT_AUDIO_TRANSCRIPT_DONE:
                return new OutputAudioTranscriptDone(text(e, "response_id"), text(e, "item_id"),
                        e.path("transcript").asString(""));
            case FUNCTION_CALL_ARGUMENTS_DONE:
                return new FunctionCallArgumentsDone(text(e, "response_id"), text(e, "item_id"),
                        text(e, "call_id"), text(e, "name"), e.path("arguments").asString("{}"));
            case RESPONSE_DONE: {
                JsonNode response = e.path("response");
                JsonNode error = response.path("status_details").path("error");
                String code = text(error, "code");
                return new ResponseDone(text(response, "id"), text(response, "status"),
                        code != null ? code : text(error, "type"));
            }
            case ERROR: {
                JsonNode error = e.path("error");
                return new Error(text(error, "type"), text(error, "code"), text(error, "message"),
                        text(error, "event_id"));
            }
            default:
                return null;
        }
    }

    /** Writes one client event. */
    public String encode(RealtimeClientEvent event) {
        return new String(encodeUtf8(event), StandardCharsets.UTF_8);
    }

    /** Writes one client event as the UTF-8 bytes of its frame; audio in one allocation ({@link AsciiFrames}). */
    public byte[] encodeUtf8(RealtimeClientEvent event) {
        if (event instanceof InputAudioAppend append && JsonFieldScanner.plain(append.audio())) {
            return AsciiFrames.join(APPEND_PREFIX, append.audio(), APPEND_SUFFIX);
        }
        return JSON.writeValueAsBytes(toJson(event));
    }

    ObjectNode toJson(RealtimeClientEvent event) {
        ObjectNode root = JSON.createObjectNode();
        if (event instanceof InputAudioAppend append) {
            root.put("type", INPUT_AUDIO_BUFFER_APPEND);
            root.put("audio", append.audio());
        } else if (event instanceof SessionUpdate update) {
            root.put("type", SESSION_UPDATE);
            root.set("session", session(update));
        } else if (event instanceof UserText text) {
            root.put("type", CONVERSATION_ITEM_CREATE);
            ObjectNode item = root.putObject("item");
            item.put("type", "message");
            item.put("role", "user");
            item.putArray("content").addObject().put("type", "input_text").put("text", text.text());
        } else if (event instanceof AssistantText text) {
            root.put("type", CONVERSATION_ITEM_CREATE);
            ObjectNode item = root.putObject("item");
            item.put("type", "message");
            item.put("role", "assistant");
            item.putArray("content").addObject().put("type", "output_text").put("text", text.text());
        } else if (event instanceof FunctionCallOutput output) {
            root.put("type", CONVERSATION_ITEM_CREATE);
            ObjectNode item = root.putObject("item");
            item.put("type", "function_call_output");
            item.put("call_id", output.callId());
            item.put("output", output.output());
        } else if (event instanceof ResponseCreate create) {
            root.put("type", RESPONSE_CREATE);
            if (create.instructions() != null) {
                root.putObject("response").put("instructions", create.instructions());
            }
        } else if (event instanceof ResponseCancel) {
            root.put("type", RESPONSE_CANCEL);
        } else if (event instanceof ItemTruncate truncate) {
            root.put("type", CONVERSATION_ITEM_TRUNCATE);
            root.put("item_id", truncate.itemId());
            root.put("content_index", truncate.contentIndex());
            root.put("audio_end_ms", truncate.audioEndMs());
        }
        return root;
    }

    private static ObjectNode session(SessionUpdate update) {
        ObjectNode session = JSON.createObjectNode();
        session.put("type", "realtime");
        session.put("model", update.model());
        session.putArray("output_modalities").add("audio");
        session.put("instructions", update.instructions() == null ? "" : update.instructions());
        ObjectNode audio = session.putObject("audio");
        ObjectNode input = audio.putObject("input");
        input.putObject("format").put("type", "audio/pcmu");
        input.putObject("turn_detection").put("type", "server_vad");
        ObjectNode transcription = input.putObject("transcription");
        transcription.put("model", update.transcriptionModel());
        if (update.language() != null) {
            transcription.put("language", update.language());
        }
        ObjectNode output = audio.putObject("output");
        output.putObject("format").put("type", "audio/pcmu");
        output.put("voice", update.voice());
        ArrayNode tools = session.putArray("tools");
        for (FunctionTool tool : update.tools()) {
            ObjectNode t = tools.addObject();
            t.put("type", "function");
            t.put("name", tool.name());
            t.put("description", tool.description());
            t.set("parameters", JSON.valueToTree(tool.parameters()));
        }
        session.put("tool_choice", "auto");
        if (update.tracing() != null) {
            ObjectNode tracing = session.putObject("tracing");
            tracing.put("workflow_name", update.tracing().workflowName());
            tracing.put("group_id", update.tracing().groupId());
            ObjectNode metadata = tracing.putObject("metadata");
            update.tracing().metadata().forEach(metadata::put);
        }
        return session;
    }

    private static String text(JsonNode node, String field) {
        JsonNode child = node.get(field);
        return child == null || child.isNull() ? null : child.asString();
    }
}
