package dev.voiceagent.testkit.twilio;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The one Twilio Media Streams codec of the simulator: the caller side's frames out, the server's frames in. */
public final class MediaStreamCodec {

    private final JsonMapper json;

    /** A codec using the given mapper. */
    public MediaStreamCodec(JsonMapper json) {
        this.json = json;
    }

    /** Encodes a message in Twilio's wire shape (numbers as strings, as Twilio sends them). */
    public String encode(MediaStreamMessage message) {
        ObjectNode node = json.createObjectNode();
        if (message instanceof MediaStreamMessage.Connected) {
            node.put("event", "connected").put("protocol", "Call").put("version", "1.0.0");
        } else if (message instanceof MediaStreamMessage.Start start) {
            header(node, "start", start.sequenceNumber(), start.streamSid());
            ObjectNode body = node.putObject("start").put("streamSid", start.streamSid())
                    .put("accountSid", start.accountSid()).put("callSid", start.callSid());
            body.putArray("tracks").add("inbound");
            ObjectNode custom = body.putObject("customParameters");
            start.customParameters().forEach(custom::put);
            body.putObject("mediaFormat").put("encoding", "audio/x-mulaw").put("sampleRate", 8000).put("channels", 1);
        } else if (message instanceof MediaStreamMessage.InboundMedia media) {
            header(node, "media", media.sequenceNumber(), media.streamSid());
            node.putObject("media").put("track", "inbound").put("chunk", Long.toString(media.chunk()))
                    .put("timestamp", Long.toString(media.timestampMs())).put("payload", media.payload());
        } else if (message instanceof MediaStreamMessage.Dtmf dtmf) {
            header(node, "dtmf", dtmf.sequenceNumber(), dtmf.streamSid());
            node.putObject("dtmf").put("track", "inbound_track").put("digit", dtmf.digit());
        } else if (message instanceof MediaStreamMessage.Mark mark) {
            header(node, "mark", mark.sequenceNumber(), mark.streamSid());
            node.putObject("mark").put("name", mark.name());
        } else if (message instanceof MediaStreamMessage.Stop stop) {
            header(node, "stop", stop.sequenceNumber(), stop.streamSid());
            node.putObject("stop").put("accountSid", stop.accountSid()).put("callSid", stop.callSid());
        } else if (message instanceof MediaStreamMessage.OutboundMedia media) {
            node.put("event", "media").put("streamSid", media.streamSid());
            node.putObject("media").put("payload", media.payload());
        } else if (message instanceof MediaStreamMessage.Clear clear) {
            node.put("event", "clear").put("streamSid", clear.streamSid());
        } else if (message instanceof MediaStreamMessage.Unknown unknown) {
            node.put("event", unknown.event());
        }
        return json.writeValueAsString(node);
    }

    /** Decodes a frame the server sent to Twilio ({@code media}, {@code mark}, {@code clear}); never throws. */
    public MediaStreamMessage decodeFromServer(String frame) {
        JsonNode node;
        try {
            node = json.readTree(frame);
        } catch (JacksonException e) {
            return new MediaStreamMessage.Unknown("malformed");
        }
        String event = node.path("event").asString("");
        String streamSid = node.path("streamSid").asString(null);
        switch (event) {
            case "media":
                return new MediaStreamMessage.OutboundMedia(streamSid, node.path("media").path("payload").asString(""));
            case "mark":
                return new MediaStreamMessage.Mark(null, streamSid, node.path("mark").path("name").asString(""));
            case "clear":
                return new MediaStreamMessage.Clear(streamSid);
            default:
                return new MediaStreamMessage.Unknown(event.isEmpty() ? "malformed" : event);
        }
    }

    private static void header(ObjectNode node, String event, String sequenceNumber, String streamSid) {
        node.put("event", event);
        if (sequenceNumber != null) {
            node.put("sequenceNumber", sequenceNumber);
        }
        node.put("streamSid", streamSid);
    }
}
