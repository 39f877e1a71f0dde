package dev.voiceagent.bridge.support;

import reactor.core.Scannable;

/**
 * How a publisher of ours passes for one of Reactor's own producers. With automatic context propagation, an operator
 * that subscribes to a producer that is not Reactor's own wraps its subscriber in a thread-local restoring operator:
 * a set and a clear of every registered accessor around each signal. Reactor recognises its own by the scan attribute
 * {@code InternalProducerAttr}, which is package private, so it is matched by name. Should Reactor rename it, the
 * publishers are simply wrapped again ({@code PriorityLaneTest} and {@code InboundFramesTest} say so).
 */
final class ReactorOwnProducer {

    private static final String INTERNAL_PRODUCER = "reactor.core.publisher.InternalProducerAttr";

    private ReactorOwnProducer() {
    }

    /** A {@link Scannable#scanUnsafe} answer: true for Reactor's own-producer attribute, nothing for any other. */
    static Object scan(Scannable.Attr key) {
        return key != null && INTERNAL_PRODUCER.equals(key.getClass().getName()) ? Boolean.TRUE : null;
    }
}
