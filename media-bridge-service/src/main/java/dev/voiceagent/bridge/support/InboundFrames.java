package dev.voiceagent.bridge.support;

import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.netty.http.websocket.WebsocketInbound;

/**
 * A connection's inbound messages without a thread-local restore per message. With automatic context propagation
 * (a platform default), Reactor wraps the subscriber of any producer that is not one of its own in an operator that
 * sets the subscriber's context on the thread around each signal, and restores it after; an empty context still
 * clears and restores every registered accessor. Reactor Netty's receive is such a producer, so every frame a
 * WebSocket receives paid for it, in the bridge about a tenth of its CPU.
 *
 * <p>{@link #decoded} hands the subscriber straight to Reactor Netty's receive (its {@code subscribe(CoreSubscriber)},
 * which Reactor does not wrap) behind a publisher that passes for one of Reactor's own ({@link ReactorOwnProducer},
 * as {@link PriorityLane} does). Use it only where the subscriber's context has nothing a frame needs on its thread:
 * frame paths whose log lines and spans carry the call explicitly.
 */
public final class InboundFrames {

    private InboundFrames() {
    }

    /**
     * Each text message of a WebSocket decoded from its bytes by {@code reader}, read without a restore per message
     * and without a copy of its own ({@link FrameBytes}); messages the reader decodes to {@code null} are skipped, and
     * so are binary ones. A message that comes fragmented is joined first, up to {@code maxMessageBytes}; past that,
     * the flux fails with Netty's {@code TooLongFrameException}, as for one frame over the limit. RFC 6455 lets any
     * peer or intermediary fragment a message, and each fragment decoded on its own would be lost as malformed. Each
     * message is released once {@code onNext} returns, as with Reactor Netty's own receive.
     */
    public static <T> Flux<T> decoded(WebsocketInbound inbound, int maxMessageBytes, FrameBytes.Reader<T> reader) {
        return new Unwrapped(inbound.aggregateFrames(maxMessageBytes).receiveObject())
                .mapNotNull(message -> message instanceof TextWebSocketFrame text
                        ? FrameBytes.read(text.content(), reader) : null);
    }

    private static final class Unwrapped extends Flux<Object> implements Scannable {
        private final Flux<?> receive;

        Unwrapped(Flux<?> receive) {
            this.receive = receive;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void subscribe(CoreSubscriber<? super Object> actual) {
            ((Flux<Object>) receive).subscribe(actual);
        }

        @Override
        public Object scanUnsafe(Attr key) {
            return ReactorOwnProducer.scan(key);
        }
    }
}
