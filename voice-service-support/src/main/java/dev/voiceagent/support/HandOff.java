package dev.voiceagent.support;

import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * A bounded hand-off from any number of threads (event loops among them) to one consumer pipeline.
 * {@link #offer} never waits — not for the consumer and not for another producer: {@code Flux.create}'s sink takes
 * concurrent producers through a lock-free queue, where a {@code Sinks.Many} refuses a second emitter
 * ({@code FAIL_NON_SERIALIZED}) and would have to be retried in a spin or behind a lock. Past its capacity, or while
 * nobody consumes, an item is refused and the caller decides what a refusal costs.
 *
 * @param <T> the items
 */
public final class HandOff<T> {

    private final int capacity;
    /** Items offered and not yet emitted to the consumer. */
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile FluxSink<T> sink;

    public HandOff(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
    }

    /** Queues {@code item} for the consumer; false when the hand-off is full or nobody consumes it. */
    public boolean offer(T item) {
        FluxSink<T> target = sink;
        if (target == null) {
            return false;
        }
        if (waiting.incrementAndGet() > capacity) {
            waiting.decrementAndGet();
            return false;
        }
        target.next(item);
        return true;
    }

    /**
     * The offered items, in the order they were queued, for one subscriber at a time (offers are refused until it
     * subscribes and after it cancels; what was still waiting then is dropped).
     */
    public Flux<T> items() {
        return created().doOnNext(item -> waiting.decrementAndGet());
    }

    /**
     * As {@link #items()}, delivered on a thread of the consumer's own, named {@code consumerThread}, started on
     * subscription and ended on cancellation: the consumer's work (and whatever it subscribes to) runs there, never on
     * the thread that offered. Without it, an offer that finds the consumer idle runs the consumer right away on the
     * offering thread — an event loop in the middle of a request, say. Waking that thread takes no lock, so an offer
     * still never waits. An item counts as waiting until it reaches the consumer.
     *
     * @param nonBlocking whether BlockHound should treat the consumer's thread as an event loop's (false when the
     *                    consumer may block by design)
     */
    public Flux<T> items(String consumerThread, boolean nonBlocking) {
        return Flux.using(() -> new ConsumerThread(consumerThread, nonBlocking),
                thread -> created().publishOn(thread.scheduler()).doOnNext(item -> waiting.decrementAndGet()),
                ConsumerThread::close);
    }

    private Flux<T> created() {
        return Flux.create(consumer -> {
            consumer.onDispose(() -> {
                sink = null;
                waiting.set(0);
            });
            sink = consumer;
        }, FluxSink.OverflowStrategy.BUFFER);
    }

    /** Items waiting for the consumer. */
    public int waiting() {
        return waiting.get();
    }
}
