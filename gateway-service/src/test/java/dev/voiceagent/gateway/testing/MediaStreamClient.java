package dev.voiceagent.gateway.testing;

import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.time.Duration;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/** A raw media-stream client for tests: sends frames as given and reports how the gateway ended the stream. */
public final class MediaStreamClient {

    private MediaStreamClient() {
    }

    /** Sends the text frames and answers the close code the gateway sent; -1 when the connection ended without one. */
    public static int closeCode(String url, List<String> texts, Duration limit) {
        return closeCodeOfFrames(url, Flux.fromIterable(texts).map(TextWebSocketFrame::new), limit);
    }

    /** Sends the frames (released once sent) and answers the close code, or -1 without a close frame. */
    public static int closeCodeOfFrames(String url, Flux<? extends WebSocketFrame> frames, Duration limit) {
        return HttpClient.create().websocket().uri(url)
                .handle((in, out) -> out.sendObject(frames).then()
                        .onErrorResume(e -> Mono.empty())
                        .thenMany(Flux.<Integer>never())
                        .mergeWith(in.receiveCloseStatus().map(WebSocketCloseStatus::code))
                        // a connection that ends without a close frame yields -1 (the close status never comes)
                        .mergeWith(Mono.<Integer>create(sink -> in.withConnection(c -> c.onDispose(() -> sink.success(-1)))))
                        .take(1))
                .next()
                .timeout(limit)
                .block();
    }
}
