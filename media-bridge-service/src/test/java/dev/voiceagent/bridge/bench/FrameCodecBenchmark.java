package dev.voiceagent.bridge.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.bridge.realtime.RealtimeClientEvent.InputAudioAppend;
import dev.voiceagent.bridge.realtime.RealtimeCodec;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.OutputAudioDelta;
import dev.voiceagent.bridge.twilio.TwilioCodec;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Mark;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Media;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * CPU and heap allocation per frame of the media codecs (run: {@code -Dtest=FrameCodecBenchmark -Dbench=true}): what
 * the bridge does with one 20 ms frame in each direction (Twilio {@code media} in → {@code input_audio_buffer.append}
 * out; model audio delta in → Twilio {@code media} + {@code mark} out), once through the codecs' fast path as the
 * bridge runs it (frames decoded from their UTF-8 bytes, written as bytes) and once through a JSON tree. Single
 * thread, interleaved rounds, best round reported; a busy machine makes both slower, the ratio is what to read.
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
    private static final byte[] TWILIO_MEDIA_BYTES = TWILIO_MEDIA.getBytes(StandardCharsets.UTF_8);
    private static final byte[] MODEL_DELTA_BYTES = MODEL_DELTA.getBytes(StandardCharsets.UTF_8);
    private static final int FRAMES = 200_000;

    private final TwilioCodec twilio = new TwilioCodec();
    private final RealtimeCodec realtime = new RealtimeCodec();
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private long sink;

    @Test
    void theFastPathCostsLessThanTheTreePerFrame() {
        double fast = Double.MAX_VALUE;
        double tree = Double.MAX_VALUE;
        for (int round = 0; round < 8; round++) {
            fast = Math.min(fast, nanosPerFrame(this::fastFrame));
            tree = Math.min(tree, nanosPerFrame(this::treeFrame));
        }
        long fastBytes = bytesPerFrame(this::fastFrame);
        long treeBytes = bytesPerFrame(this::treeFrame);
        System.out.printf(Locale.ROOT, "%n=== FrameCodecBenchmark: one frame each way, best of 8 rounds of %d ===%n"
                + "fast path: %.2f us/frame, %d bytes allocated/frame; JSON tree: %.2f us/frame, %d bytes "
                + "allocated/frame; %.1fx the time%n", FRAMES, fast / 1000, fastBytes, tree / 1000, treeBytes,
                tree / fast);
        assertThat(fast).isLessThan(tree);
        assertThat(fastBytes).isLessThan(treeBytes);
    }

    private double nanosPerFrame(Supplier<Integer> frame) {
        long start = System.nanoTime();
        for (int i = 0; i < FRAMES; i++) {
            sink += frame.get();
        }
        return (System.nanoTime() - start) / (double) FRAMES;
    }

    /** Heap allocated by this thread per frame, over one more round. */
    private long bytesPerFrame(Supplier<Integer> frame) {
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < FRAMES; i++) {
            sink += frame.get();
        }
        return (threads.getThreadAllocatedBytes(thread) - before) / FRAMES;
    }

    private Integer fastFrame() {
        Media in = (Media) twilio.decode(TWILIO_MEDIA_BYTES, TWILIO_MEDIA_BYTES.length).orElseThrow();
        byte[] toModel = realtime.encodeUtf8(new InputAudioAppend(in.payload()));
        OutputAudioDelta delta = (OutputAudioDelta) realtime.decode(MODEL_DELTA_BYTES, MODEL_DELTA_BYTES.length)
                .orElseThrow();
        byte[] media = twilio.encodeUtf8(Media.outbound(in.streamSid(), delta.delta()));
        byte[] mark = twilio.encodeUtf8(new Mark(in.streamSid(), delta.itemId() + ":20"));
        return toModel.length + media.length + mark.length;
    }

    /** The same work through a JSON tree both ways, from and to bytes. */
    private Integer treeFrame() {
        JsonNode in = JSON.readTree(TWILIO_MEDIA_BYTES);
        String streamSid = in.path("streamSid").asString();
        ObjectNode append = JSON.createObjectNode().put("type", "input_audio_buffer.append")
                .put("audio", in.path("media").path("payload").asString());
        byte[] toModel = JSON.writeValueAsBytes(append);
        JsonNode delta = JSON.readTree(MODEL_DELTA_BYTES);
        ObjectNode media = JSON.createObjectNode().put("event", "media").put("streamSid", streamSid);
        media.putObject("media").put("payload", delta.path("delta").asString());
        ObjectNode mark = JSON.createObjectNode().put("event", "mark").put("streamSid", streamSid);
        mark.putObject("mark").put("name", delta.path("item_id").asString() + ":20");
        return toModel.length + JSON.writeValueAsBytes(media).length + JSON.writeValueAsBytes(mark).length;
    }
}
