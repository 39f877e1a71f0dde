package dev.voiceagent.bridge.bench;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.bridge.realtime.RealtimeClientEvent.InputAudioAppend;
import dev.voiceagent.bridge.realtime.RealtimeCodec;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.OutputAudioDelta;
import dev.voiceagent.bridge.twilio.TwilioCodec;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Mark;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Media;
import java.util.Base64;
import java.util.Locale;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * CPU per frame of the media codecs (run: {@code -Dtest=FrameCodecBenchmark -Dbench=true}): what the bridge does
 * with one 20 ms frame in each direction (Twilio {@code media} in → {@code input_audio_buffer.append} out; model
 * audio delta in → Twilio {@code media} + {@code mark} out), once through the codecs' fast path and once through
 * a JSON tree as the codecs did before. Single thread, interleaved rounds, best round reported; a busy machine
 * makes both slower, the ratio is what to read.
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
// a benchmark runs for as long as it is asked to; the suite-wide test timeout is for tests
@Timeout(value = 3, unit = TimeUnit.HOURS)
class FrameCodecBenchmark {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String PAYLOAD = Base64.getEncoder().encodeToString(new byte[160]);
    private static final String TWILIO_MEDIA = "{\"event\":\"media\",\"sequenceNumber\":\"4\",\"media\":{\"track\":"
            + "\"inbound\",\"chunk\":\"3\",\"timestamp\":\"60\",\"payload\":\"" + PAYLOAD + "\"},\"streamSid\":"
            + "\"MZ18ad3ab5a668481ce02b83e7395059f0\"}";
    private static final String MODEL_DELTA = "{\"type\":\"response.output_audio.delta\",\"event_id\":"
            + "\"event_CCXGSmVnHDMTqW3KjbN0A\",\"response_id\":\"resp_CCXGRxbY0n6WE4EszhENb\",\"item_id\":"
            + "\"item_CCXGRFAo6Ad7TuXTtOIMq\",\"output_index\":0,\"content_index\":0,\"delta\":\"" + PAYLOAD + "\"}";
    private static final int FRAMES = 200_000;

    private final TwilioCodec twilio = new TwilioCodec();
    private final RealtimeCodec realtime = new RealtimeCodec();
    private long sink;

    @Test
    void theFastPathCostsLessThanTheTreePerFrame() {
        double fast = Double.MAX_VALUE;
        double tree = Double.MAX_VALUE;
        for (int round = 0; round < 8; round++) {
            fast = Math.min(fast, nanosPerFrame(this::fastFrame));
            tree = Math.min(tree, nanosPerFrame(this::treeFrame));
        }
        System.out.printf(Locale.ROOT, "%n=== FrameCodecBenchmark: one frame each way, best of 8 rounds of %d ===%n"
                + "fast path: %.2f us/frame; JSON tree: %.2f us/frame; %.1fx%n", FRAMES, fast / 1000, tree / 1000,
                tree / fast);
        assertThat(fast).isLessThan(tree);
    }

    private double nanosPerFrame(Supplier<Integer> frame) {
        long start = System.nanoTime();
        for (int i = 0; i < FRAMES; i++) {
            sink += frame.get();
        }
        return (System.nanoTime() - start) / (double) FRAMES;
    }

    private Integer fastFrame() {
        Media in = (Media) twilio.decode(TWILIO_MEDIA).orElseThrow();
        String toModel = realtime.encode(new InputAudioAppend(in.payload()));
        OutputAudioDelta delta = (OutputAudioDelta) realtime.decode(MODEL_DELTA).orElseThrow();
        String media = twilio.encode(Media.outbound(in.streamSid(), delta.delta()));
        String mark = twilio.encode(new Mark(in.streamSid(), delta.itemId() + ":20"));
        return toModel.length() + media.length() + mark.length();
    }

    /** The same work through a JSON tree both ways, as the codecs did before the fast path. */
    private Integer treeFrame() {
        JsonNode in = JSON.readTree(TWILIO_MEDIA);
        String streamSid = in.path("streamSid").asString();
        ObjectNode append = JSON.createObjectNode().put("type", "input_audio_buffer.append")
                .put("audio", in.path("media").path("payload").asString());
        String toModel = JSON.writeValueAsString(append);
        JsonNode delta = JSON.readTree(MODEL_DELTA);
        ObjectNode media = JSON.createObjectNode().put("event", "media").put("streamSid", streamSid);
        media.putObject("media").put("payload", delta.path("delta").asString());
        ObjectNode mark = JSON.createObjectNode().put("event", "mark").put("streamSid", streamSid);
        mark.putObject("mark").put("name", delta.path("item_id").asString() + ":20");
        return toModel.length() + JSON.writeValueAsString(media).length() + JSON.writeValueAsString(mark).length();
    }
}
