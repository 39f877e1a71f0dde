package dev.voiceagent.bridge.realtime;

import dev.voiceagent.bridge.support.FrameBytes;
import dev.voiceagent.bridge.support.InboundFrames;
import dev.voiceagent.support.LingeringClose;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/** {@link RealtimeClient} over the Reactor Netty WebSocket client; one shared, unpooled {@link HttpClient}. */
public class ReactorNettyRealtimeClient implements RealtimeClient {

    private static final Logger log = LoggerFactory.getLogger(ReactorNettyRealtimeClient.class);

    private final RealtimeProperties properties;
    private final RealtimeCodec codec;
    private final HttpClient http;
    private final FrameBytes.Reader<RealtimeServerEvent> decoder = this::decode;

    public ReactorNettyRealtimeClient(RealtimeProperties properties, RealtimeCodec codec) {
        this.properties = properties;
        this.codec = codec;
        String bearer = properties.apiKey() == null || properties.apiKey().isBlank() ? null
                : "Bearer " + properties.apiKey();
        // one socket per call for the whole call: a pooled provider would cap concurrent model sessions at the
        // pool's size (16 on two cores) and queue the rest. Our close frame waits for the model's answer before TCP
        // closes (LingeringClose): a model still streaming audio would otherwise draw a reset, and lose the close.
        this.http = LingeringClose.onEveryConnection(HttpClient.create(ConnectionProvider.newConnection())
                .option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) properties.connectTimeout().toMillis())
                .headers(h -> {
                    if (bearer != null) {
                        h.set("Authorization", bearer);
                    }
                }), properties.closeGrace());
    }

    @Override
    public Flux<RealtimeServerEvent> connect(String model, Flux<RealtimeClientEvent> outbound) {
        WebsocketClientSpec spec = WebsocketClientSpec.builder()
                .maxFramePayloadLength(properties.maxFrameBytes())
                .build();
        return http.websocket(spec)
                .uri(uri(model))
                .handle((in, out) -> exchange(in, out, outbound))
                // the first event (session.created) proves the handshake; later events have no deadline
                .timeout(Mono.delay(properties.connectTimeout()), event -> Mono.never());
    }

    URI uri(String model) {
        String base = properties.url().toString();
        String separator = base.contains("?") ? "&" : "?";
        return URI.create(base + separator + "model=" + URLEncoder.encode(model, StandardCharsets.UTF_8));
    }

    /**
     * Two directed pipelines on one socket. Frames go out in order; when the session completes {@code outbound}
     * the client sends a normal close, and stops listening after the close grace if the model never answers it.
     * The inbound side decides the end: the model closing its socket completes the returned flux.
     */
    private Flux<RealtimeServerEvent> exchange(WebsocketInbound in, WebsocketOutbound out,
                                               Flux<RealtimeClientEvent> outbound) {
        // frames go out as the codec's bytes: audio is written in one allocation (AsciiFrames), where a String
        // frame takes Netty two passes, char by char, or the JDK two more copies to encode it
        Mono<Void> sending = out.sendObject(outbound.map(event ->
                        new TextWebSocketFrame(Unpooled.wrappedBuffer(encode(event)))))
                .then()
                .then(Mono.defer(() -> out.sendClose(1000, "session ended")))
                .onErrorResume(e -> Mono.empty());
        // the model's messages are decoded from their bytes, fragments joined, without a thread-local restore per
        // message (InboundFrames)
        Flux<RealtimeServerEvent> receiving = InboundFrames.decoded(in, properties.maxFrameBytes(), decoder);
        Mono<RealtimeServerEvent> closing = sending.then(Mono.delay(properties.closeGrace()))
                .then(Mono.error(new ClosedByClient()));
        // merge ends when both end: the closing side stops as soon as the model's side has ended. (Not publish():
        // with automatic context propagation its subscribers restore thread-locals around every event.)
        Sinks.Empty<Void> modelSideEnded = Sinks.empty();
        return Flux.merge(receiving.doFinally(signal -> modelSideEnded.tryEmitEmpty()),
                        closing.takeUntilOther(modelSideEnded.asMono()))
                .onErrorResume(ClosedByClient.class, e -> Mono.empty());
    }

    private byte[] encode(RealtimeClientEvent event) {
        byte[] frame = codec.encodeUtf8(event);
        if (log.isTraceEnabled()) {
            log.trace("to model: {}{}", new String(frame, 0, Math.min(frame.length, 200), StandardCharsets.UTF_8),
                    frame.length > 200 ? "…" : "");
        }
        return frame;
    }

    private RealtimeServerEvent decode(byte[] frame, int length) {
        try {
            return codec.decode(frame, length).orElse(null);
        } catch (RealtimeCodecException e) {
            log.debug("skipping malformed realtime frame: {}", e.getMessage());
            return null;
        }
    }

    /** Ends the exchange once our close went out and the grace period passed without the model's answer. */
    private static final class ClosedByClient extends RuntimeException {
        ClosedByClient() {
            super(null, null, false, false);
        }
    }
}
