package dev.voiceagent.gateway.media;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Decodes the Twilio stream frames the gateway inspects (only the preamble; relayed frames are not parsed). */
public final class TwilioStreamCodec {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private TwilioStreamCodec() {
    }

    public static TwilioStreamMessage decode(String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            return new TwilioStreamMessage.Malformed("frame is not JSON");
        }
        if (root == null || !root.isObject() || !root.path("event").isString()) {
            return new TwilioStreamMessage.Malformed("frame has no event");
        }
        String event = root.path("event").asString();
        if ("connected".equals(event)) {
            return new TwilioStreamMessage.Connected();
        }
        return "start".equals(event) ? start(root) : new TwilioStreamMessage.Other(event);
    }

    private static TwilioStreamMessage start(JsonNode root) {
        JsonNode start = root.path("start");
        String callSid = text(start, "callSid");
        if (callSid == null) {
            return new TwilioStreamMessage.Malformed("start without callSid");
        }
        String streamSid = text(start, "streamSid");
        return new TwilioStreamMessage.Start(streamSid != null ? streamSid : text(root, "streamSid"), callSid,
                text(start.path("customParameters"), "token"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isString() ? value.asString() : null;
    }
}
