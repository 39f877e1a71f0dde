package dev.voiceagent.testkit.realtime;

import static dev.voiceagent.testkit.realtime.RealtimeEventNames.*;

import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The realtime simulator's one codec: client JSON frames to {@link RealtimeClientEvent}, server events to JSON. */
public final class RealtimeSimCodec {

    private final JsonMapper json;
    private final AtomicLong eventIds = new AtomicLong();

    /** A codec using the given mapper. */
    public RealtimeSimCodec(JsonMapper json) {
        this.json = json;
    }

    /** Decodes one client text frame; never throws. */
    public RealtimeClientEvent decode(String frame) {
        JsonNode node;
        try {
            node = json.readTree(frame);
        } catch (JacksonException e) {
            return new RealtimeClientEvent.Malformed(null, "The client event is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject() || !node.path("type").isString()) {
            return new RealtimeClientEvent.Malformed(null, "The client event must be a JSON object with a 'type'.");
        }
        String eventId = text(node, "event_id");
        String type = node.get("type").asString();
        return switch (type) {
            case SESSION_UPDATE -> new RealtimeClientEvent.SessionUpdate(eventId, node.path("session"));
            case INPUT_AUDIO_BUFFER_APPEND -> appendOf(eventId, node);
            case CONVERSATION_ITEM_CREATE -> itemCreateOf(eventId, node.path("item"));
            case RESPONSE_CREATE -> new RealtimeClientEvent.ResponseCreate(eventId, text(node.path("response"), "instructions"));
            case RESPONSE_CANCEL -> new RealtimeClientEvent.ResponseCancel(eventId);
            case CONVERSATION_ITEM_TRUNCATE -> new RealtimeClientEvent.ItemTruncate(eventId, text(node, "item_id"),
                    node.path("content_index").asInt(0), node.path("audio_end_ms").asLong(0));
            default -> new RealtimeClientEvent.Unsupported(eventId, type, "Invalid value: '" + type + "'");
        };
    }

    private static RealtimeClientEvent appendOf(String eventId, JsonNode node) {
        String audio = text(node, "audio");
        return audio == null
                ? new RealtimeClientEvent.Unsupported(eventId, INPUT_AUDIO_BUFFER_APPEND, "Missing required parameter: 'audio'.")
                : new RealtimeClientEvent.InputAudioAppend(eventId, audio);
    }

    private static RealtimeClientEvent itemCreateOf(String eventId, JsonNode item) {
        String itemType = text(item, "type");
        if ("function_call_output".equals(itemType)) {
            return new RealtimeClientEvent.FunctionCallOutput(eventId, text(item, "call_id"), text(item, "output"));
        }
        if ("message".equals(itemType) && "user".equals(text(item, "role"))) {
            StringBuilder textOut = new StringBuilder();
            item.path("content").forEach(part -> textOut.append(part.path("text").asString("")));
            return new RealtimeClientEvent.UserMessage(eventId, textOut.toString());
        }
        return new RealtimeClientEvent.Unsupported(eventId, CONVERSATION_ITEM_CREATE,
                "The simulator accepts user messages and function_call_output items, not '" + itemType + "'.");
    }

    /** Encodes one server event as a JSON text frame. */
    public String encode(RealtimeServerEvent event) {
        ObjectNode node = json.createObjectNode();
        node.put("event_id", "event_" + eventIds.incrementAndGet());
        if (event instanceof RealtimeServerEvent.SessionCreated e) {
            node.put("type", SESSION_CREATED).set("session", e.session());
        } else if (event instanceof RealtimeServerEvent.SessionUpdated e) {
            node.put("type", SESSION_UPDATED).set("session", e.session());
        } else if (event instanceof RealtimeServerEvent.SpeechStarted e) {
            node.put("type", SPEECH_STARTED)
                    .put("audio_start_ms", e.audioStartMs()).put("item_id", e.itemId());
        } else if (event instanceof RealtimeServerEvent.SpeechStopped e) {
            node.put("type", SPEECH_STOPPED)
                    .put("audio_end_ms", e.audioEndMs()).put("item_id", e.itemId());
        } else if (event instanceof RealtimeServerEvent.Committed e) {
            node.put("type", COMMITTED)
                    .put("previous_item_id", e.previousItemId()).put("item_id", e.itemId());
        } else if (event instanceof RealtimeServerEvent.TranscriptionCompleted e) {
            node.put("type", TRANSCRIPTION_COMPLETED)
                    .put("item_id", e.itemId()).put("content_index", 0).put("transcript", e.transcript());
        } else if (event instanceof RealtimeServerEvent.ItemTruncated e) {
            node.put("type", ITEM_TRUNCATED).put("item_id", e.itemId())
                    .put("content_index", e.contentIndex()).put("audio_end_ms", e.audioEndMs());
        } else if (event instanceof RealtimeServerEvent.ResponseCreated e) {
            node.put("type", RESPONSE_CREATED)
                    .set("response", response(e.responseId(), "in_progress").set("output", json.createArrayNode()));
        } else if (event instanceof RealtimeServerEvent.OutputItemAdded e) {
            outputItem(node.put("type", OUTPUT_ITEM_ADDED), e.responseId(), e.item());
        } else if (event instanceof RealtimeServerEvent.OutputItemDone e) {
            outputItem(node.put("type", OUTPUT_ITEM_DONE), e.responseId(), e.item());
        } else if (event instanceof RealtimeServerEvent.OutputAudioDelta e) {
            content(node.put("type", OUTPUT_AUDIO_DELTA), e.responseId(), e.itemId())
                    .put("delta", e.delta());
        } else if (event instanceof RealtimeServerEvent.OutputAudioDone e) {
            content(node.put("type", OUTPUT_AUDIO_DONE), e.responseId(), e.itemId());
        } else if (event instanceof RealtimeServerEvent.TranscriptDelta e) {
            content(node.put("type", OUTPUT_AUDIO_TRANSCRIPT_DELTA), e.responseId(),
                    e.itemId()).put("delta", e.delta());
        } else if (event instanceof RealtimeServerEvent.TranscriptDone e) {
            content(node.put("type", OUTPUT_AUDIO_TRANSCRIPT_DONE), e.responseId(),
                    e.itemId()).put("transcript", e.transcript());
        } else if (event instanceof RealtimeServerEvent.FunctionArgumentsDelta e) {
            node.put("type", FUNCTION_CALL_ARGUMENTS_DELTA)
                    .put("response_id", e.responseId()).put("item_id", e.itemId()).put("output_index", 0)
                    .put("call_id", e.callId()).put("delta", e.delta());
        } else if (event instanceof RealtimeServerEvent.FunctionArgumentsDone e) {
            node.put("type", FUNCTION_CALL_ARGUMENTS_DONE)
                    .put("response_id", e.responseId()).put("item_id", e.itemId()).put("output_index", 0)
                    .put("call_id", e.callId()).put("name", e.name()).put("arguments", e.arguments());
        } else if (event instanceof RealtimeServerEvent.ResponseDone e) {
            node.put("type", RESPONSE_DONE).set("response", responseDone(e));
        } else if (event instanceof RealtimeServerEvent.Error e) {
            node.put("type", ERROR).set("error", error(e));
        }
        return json.writeValueAsString(node);
    }

    private ObjectNode response(String responseId, String status) {
        return json.createObjectNode().put("object", "realtime.response").put("id", responseId).put("status", status);
    }

    private ObjectNode responseDone(RealtimeServerEvent.ResponseDone done) {
        ArrayNode output = json.createArrayNode();
        done.output().forEach(item -> output.add(item(item)));
        ObjectNode response = response(done.responseId(), done.status());
        response.set("output", output);
        response.putArray("output_modalities").add("audio");
        return response;
    }

    private void outputItem(ObjectNode node, String responseId, RealtimeServerEvent.OutputItem item) {
        node.put("response_id", responseId).put("output_index", 0).set("item", item(item));
    }

    private static ObjectNode content(ObjectNode node, String responseId, String itemId) {
        return node.put("response_id", responseId).put("item_id", itemId).put("output_index", 0).put("content_index", 0);
    }

    private ObjectNode item(RealtimeServerEvent.OutputItem item) {
        ObjectNode node = json.createObjectNode().put("id", item.id()).put("object", "realtime.item");
        if (item instanceof RealtimeServerEvent.OutputItem.Message m) {
            node.put("type", "message").put("status", m.completed() ? "completed" : "in_progress")
                    .put("role", "assistant");
            ArrayNode contentParts = node.putArray("content");
            if (m.transcript() != null) {
                contentParts.addObject().put("type", "output_audio").put("transcript", m.transcript());
            }
        } else if (item instanceof RealtimeServerEvent.OutputItem.FunctionCall f) {
            node.put("type", "function_call").put("status", f.completed() ? "completed" : "in_progress")
                    .put("call_id", f.callId()).put("name", f.name()).put("arguments", f.arguments());
        }
        return node;
    }

    private ObjectNode error(RealtimeServerEvent.Error e) {
        ObjectNode error = json.createObjectNode().put("type", "invalid_request_error").put("code", e.code())
                .put("message", e.message());
        error.putNull("param");
        return error.put("event_id", e.clientEventId());
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }
}
