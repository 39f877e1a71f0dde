package dev.voiceagent.bridge.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.bridge.realtime.RealtimeServerEvent.OutputAudioDelta;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.OutputAudioTranscriptDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SessionCreated;
import dev.voiceagent.support.LingeringClose;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** The model client against a bare WebSocket server that sends what RFC 6455 allows: fragments, binary frames. */
class ReactorNettyRealtimeClientTest {

    private static final String CREATED = "{\"type\":\"session.created\",\"event_id\":\"ev_1\","
            + "\"session\":{\"id\":\"sess_1\",\"instructions\":\"" + "Be brief. ".repeat(40) + "\"}}";
    private static final String DELTA = "{\"type\":\"response.output_audio.delta\",\"response_id\":\"resp_1\","
            + "\"item_id\":\"item_1\",\"delta\":\"fv7+/g==\"}";
    private static final String TRANSCRIPT = "{\"type\":\"response.output_audio_transcript.done\","
            + "\"response_id\":\"resp_1\",\"item_id\":\"item_1\",\"transcript\":\"¿Qué tal? ☎\"}";

    private DisposableServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.disposeNow();
        }
    }

    @Test
    void joinsFragmentedMessagesAndSkipsBinaryOnes() {
        serve(() -> {
            List<WebSocketFrame> frames = new ArrayList<>(fragments(CREATED, 3));
            frames.add(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
            frames.add(new TextWebSocketFrame(DELTA));
            // cut inside the multi-byte characters: only the joined message is valid UTF-8
            frames.addAll(fragments(TRANSCRIPT, 7));
            return frames;
        });

        List<RealtimeServerEvent> events = client(1 << 20).connect("gpt-realtime", Flux.never())
                .collectList().block(Duration.ofSeconds(10));

        assertThat(events).containsExactly(new SessionCreated("sess_1"),
                new OutputAudioDelta("resp_1", "item_1", "fv7+/g=="),
                new OutputAudioTranscriptDone("resp_1", "item_1", "¿Qué tal? ☎"));
    }

    @Test
    void failsTheConnectionOnAFragmentedMessageOverTheLimit() {
        serve(() -> {
            List<WebSocketFrame> frames = new ArrayList<>(List.of(new TextWebSocketFrame(DELTA)));
            frames.addAll(fragments(CREATED, 4));
            frames.add(new TextWebSocketFrame(DELTA));
            return frames;
        });

        List<Object> signals = new ArrayList<>();
        client(256).connect("gpt-realtime", Flux.never())
                .doOnNext(signals::add)
                .onErrorResume(e -> {
                    signals.add(e);
                    return Mono.empty();
                })
                .blockLast(Duration.ofSeconds(10));

        assertThat(signals).hasSize(2);
        assertThat(signals.get(0)).isEqualTo(new OutputAudioDelta("resp_1", "item_1", "fv7+/g=="));
        // as for a single frame over the limit: the session sees its model connection fail, and reconnects
        assertThat(signals.get(1)).isInstanceOf(TooLongFrameException.class);
    }

    /**
     * The bridge ends a call while the model is still streaming audio: its close frame must reach the model. Closing
     * TCP right after the close frame (Reactor Netty's way) makes the model's next frames draw a reset, which can
     * discard the close frame before the model reads it; several such calls at once make that likely.
     */
    @Test
    void itsCloseReachesAModelThatIsStillStreaming() {
        int calls = 20;
        Queue<Optional<WebSocketCloseStatus>> received = new ConcurrentLinkedQueue<>();
        server = HttpServer.create().port(0)
                .handle((request, response) -> response.sendWebsocket((in, out) -> {
                    in.receiveCloseStatus().map(Optional::of).defaultIfEmpty(Optional.empty())
                            .subscribe(received::add);
                    return out.sendString(Flux.range(0, Integer.MAX_VALUE).map(i -> DELTA)).then();
                }))
                .bindNow();
        ReactorNettyRealtimeClient client = client(1 << 20);

        Flux.range(0, calls)
                .flatMap(call -> client.connect("gpt-realtime",
                                Mono.delay(Duration.ofMillis(300)).thenMany(Flux.<RealtimeClientEvent>empty()))
                        .then())
                .blockLast(Duration.ofSeconds(20));

        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == calls);
        assertThat(received).as("close statuses the model received").allSatisfy(status -> assertThat(status)
                .contains(new WebSocketCloseStatus(1000, "session ended")));
    }

    private void serve(Supplier<List<WebSocketFrame>> frames) {
        server = HttpServer.create().port(0)
                .handle((request, response) -> response.sendWebsocket((in, out) ->
                        out.sendObject(Flux.defer(() -> Flux.fromIterable(frames.get()))).then()))
                .bindNow();
    }

    private ReactorNettyRealtimeClient client(int maxFrameBytes) {
        RealtimeProperties properties = new RealtimeProperties(
                URI.create("ws://localhost:" + server.port() + "/v1/realtime"), null, "gpt-realtime", "alloy",
                "gpt-4o-mini-transcribe", Duration.ofSeconds(5), LingeringClose.DEFAULT_LINGER, maxFrameBytes);
        return new ReactorNettyRealtimeClient(properties, new RealtimeCodec());
    }

    /** The message's UTF-8 bytes in {@code parts} frames of about equal size, cut wherever that falls. */
    private static List<WebSocketFrame> fragments(String message, int parts) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        List<WebSocketFrame> frames = new ArrayList<>();
        int size = (bytes.length + parts - 1) / parts;
        for (int start = 0; start < bytes.length; start += size) {
            int end = Math.min(bytes.length, start + size);
            ByteBuf part = Unpooled.wrappedBuffer(bytes, start, end - start);
            boolean last = end == bytes.length;
            frames.add(start == 0 ? new TextWebSocketFrame(last, 0, part)
                    : new ContinuationWebSocketFrame(last, 0, part));
        }
        return frames;
    }
}
