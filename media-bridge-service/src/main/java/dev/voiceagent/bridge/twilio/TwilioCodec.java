package dev.voiceagent.bridge.twilio;

import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Clear;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Connected;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Dtmf;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Mark;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Media;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Start;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Stop;
import dev.voiceagent.bridge.support.AsciiFrames;
import dev.voiceagent.bridge.support.JsonFieldScanner;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Encodes and decodes Twilio Media Stream JSON frames. Only wire format: no side effects. Unknown events decode
 * to {@link Optional#empty()} (logged at debug); malformed frames raise {@link TwilioCodecException}.
 * <p>
 * The frames of every 20 ms ({@code media} in, {@code media} and {@code mark} out, {@code mark} echoes in) take a
 * fast path: a field scan instead of a JSON tree on the way in, text written around the payload on the way out.
 * The μ-law payload stays base64 throughout. A frame the scan does not accept (escapes, unusual shape, a payload
 * that is not base64) goes through the full decoder and gets the same answer as before.
 */
public final class TwilioCodec {

    private static final Logger log = LoggerFactory.getLogger(TwilioCodec.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonFieldScanner FRAME = new JsonFieldScanner("event", "streamSid", "media.track",
            "media.chunk", "media.timestamp", "media.payload", "mark.name");
    private static final int EVENT = 0;
    private static final int STREAM_SID = 1;
    private static final int TRACK = 2;
    private static final int CHUNK = 3;
    private static final int TIMESTAMP = 4;
    private static final int PAYLOAD = 5;
    private static final int MARK_NAME = 6;

    public Optional<TwilioStreamMessage> decode(String frame) {
        byte[] utf8 = frame.getBytes(StandardCharsets.UTF_8);
        return decode(utf8, utf8.length);
    }

    /**
     * Decodes the frame in the first {@code length} bytes of {@code frame} (UTF-8), keeping no reference to the
     * array: it may be a reused buffer ({@link dev.voiceagent.bridge.support.FrameBytes}).
     */
    public Optional<TwilioStreamMessage> decode(byte[] frame, int length) {
        TwilioStreamMessage fast = scan(frame, length);
        if (fast != null) {
            return Optional.of(fast);
        }
        // the rare frames (connected, start, dtmf, stop) as text: malformed UTF-8 is replaced, not refused
        JsonNode root = parse(new String(frame, 0, length, StandardCharsets.UTF_8));
        String event = root.path("event").asString("");
        switch (event) {
            case "connected":
                return Optional.of(new Connected(text(root, "protocol"), text(root, "version")));
            case "start":
                return Optional.of(start(root));
            case "media": {
                JsonNode media = required(root, "media");
                return Optional.of(new Media(text(root, "streamSid"), text(media, "track"), text(media, "chunk"),
                        text(media, "timestamp"), requiredText(media, "payload")));
            }
            case "dtmf": {
                JsonNode dtmf = required(root, "dtmf");
                return Optional.of(new Dtmf(text(root, "streamSid"), text(dtmf, "track"), requiredText(dtmf, "digit")));
            }
            case "mark":
                return Optional.of(new Mark(text(root, "streamSid"), requiredText(required(root, "mark"), "name")));
            case "clear":
                return Optional.of(new Clear(text(root, "streamSid")));
            case "stop": {
                JsonNode stop = root.path("stop");
                return Optional.of(new Stop(text(root, "streamSid"), text(stop, "accountSid"), text(stop, "callSid")));
            }
            default:
                log.debug("skipping Twilio stream event '{}'", event);
                return Optional.empty();
        }
    }

    /** The fast path: a plain {@code media} or {@code mark} frame, else null (the full decoder decides). */
    private static TwilioStreamMessage scan(byte[] frame, int length) {
        String[] fields = new String[FRAME.fields()];
        if (!FRAME.scan(frame, length, fields) || fields[EVENT] == null) {
            return null;
        }
        if (fields[EVENT].equals("media") && fields[PAYLOAD] != null && JsonFieldScanner.base64(fields[PAYLOAD])) {
            return new Media(fields[STREAM_SID], fields[TRACK], fields[CHUNK], fields[TIMESTAMP], fields[PAYLOAD]);
        }
        if (fields[EVENT].equals("mark") && fields[MARK_NAME] != null) {
            return new Mark(fields[STREAM_SID], fields[MARK_NAME]);
        }
        return null;
    }

    public String encode(TwilioStreamMessage message) {
        return new String(encodeUtf8(message), StandardCharsets.UTF_8);
    }

    /** Writes one message as the UTF-8 bytes of its frame; audio and marks in one allocation ({@link AsciiFrames}). */
    public byte[] encodeUtf8(TwilioStreamMessage message) {
        byte[] fast = write(message);
        if (fast != null) {
            return fast;
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("event", message.event());
        if (message instanceof Media media) {
            root.put("streamSid", media.streamSid());
            ObjectNode body = root.putObject("media");
            putIfPresent(body, "track", media.track());
            putIfPresent(body, "chunk", media.chunk());
            putIfPresent(body, "timestamp", media.timestamp());
            body.put("payload", media.payload());
        } else if (message instanceof Mark mark) {
            root.put("streamSid", mark.streamSid());
            root.putObject("mark").put("name", mark.name());
        } else if (message instanceof Clear clear) {
            root.put("streamSid", clear.streamSid());
        } else if (message instanceof Dtmf dtmf) {
            root.put("streamSid", dtmf.streamSid());
            ObjectNode body = root.putObject("dtmf");
            putIfPresent(body, "track", dtmf.track());
            body.put("digit", dtmf.digit());
        } else if (message instanceof Connected connected) {
            root.put("protocol", connected.protocol());
            root.put("version", connected.version());
        } else if (message instanceof Start start) {
            encodeStart(root, start);
        } else if (message instanceof Stop stop) {
            root.put("streamSid", stop.streamSid());
            ObjectNode body = root.putObject("stop");
            putIfPresent(body, "accountSid", stop.accountSid());
            putIfPresent(body, "callSid", stop.callSid());
        }
        return JSON.writeValueAsBytes(root);
    }

    /** The fast path for outbound audio and marks: the JSON written around plain values, else null. */
    private static byte[] write(TwilioStreamMessage message) {
        if (message instanceof Media media && media.track() == null && media.chunk() == null
                && media.timestamp() == null && plain(media.streamSid()) && JsonFieldScanner.base64(media.payload())) {
            return AsciiFrames.join("{\"event\":\"media\",\"streamSid\":\"", media.streamSid(),
                    "\",\"media\":{\"payload\":\"", media.payload(), "\"}}");
        }
        if (message instanceof Mark mark && plain(mark.streamSid()) && plain(mark.name())) {
            return AsciiFrames.join("{\"event\":\"mark\",\"streamSid\":\"", mark.streamSid(),
                    "\",\"mark\":{\"name\":\"", mark.name(), "\"}}");
        }
        return null;
    }

    private static boolean plain(String value) {
        return value != null && JsonFieldScanner.plain(value);
    }

    private static Start start(JsonNode root) {
        JsonNode start = required(root, "start");
        List<String> tracks = new ArrayList<>();
        start.path("tracks").forEach(t -> tracks.add(t.asString()));
        Map<String, String> params = new LinkedHashMap<>();
        start.path("customParameters").properties().forEach(e -> params.put(e.getKey(), e.getValue().asString()));
        JsonNode format = start.path("mediaFormat");
        String streamSid = text(start, "streamSid") != null ? text(start, "streamSid") : text(root, "streamSid");
        return new Start(streamSid, text(start, "accountSid"), text(start, "callSid"), List.copyOf(tracks),
                Map.copyOf(params), format.path("encoding").asString("audio/x-mulaw"),
                format.path("sampleRate").asInt(8000), format.path("channels").asInt(1));
    }

    private static void encodeStart(ObjectNode root, Start start) {
        root.put("streamSid", start.streamSid());
        ObjectNode body = root.putObject("start");
        body.put("streamSid", start.streamSid());
        putIfPresent(body, "accountSid", start.accountSid());
        putIfPresent(body, "callSid", start.callSid());
        var tracks = body.putArray("tracks");
        start.tracks().forEach(tracks::add);
        ObjectNode params = body.putObject("customParameters");
        start.customParameters().forEach(params::put);
        ObjectNode format = body.putObject("mediaFormat");
        format.put("encoding", start.encoding());
        format.put("sampleRate", start.sampleRate());
        format.put("channels", start.channels());
    }

    private static JsonNode parse(String frame) {
        JsonNode root;
        try {
            root = JSON.readTree(frame);
        } catch (JacksonException e) {
            throw new TwilioCodecException("Twilio frame is not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new TwilioCodecException("Twilio frame must be a JSON object");
        }
        return root;
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode child = node.get(field);
        if (child == null || !child.isObject()) {
            throw new TwilioCodecException("Twilio frame lacks '" + field + "'");
        }
        return child;
    }

    private static String requiredText(JsonNode node, String field) {
        String value = text(node, field);
        if (value == null) {
            throw new TwilioCodecException("Twilio frame lacks '" + field + "'");
        }
        return value;
    }

    private static String text(JsonNode node, String field) {
        JsonNode child = node.get(field);
        return child == null || child.isNull() ? null : child.asString();
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }
}
