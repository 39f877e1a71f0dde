package dev.voiceagent.bridge.support;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * A single-consumer outbound lane with two queues: control messages always go ahead of queued data, and the data
 * queue is bounded (the oldest item is dropped when it is full) and can be emptied at once, which is how an
 * interruption overtakes and discards audio that has not been written yet. Emits only on demand.
 * <p>
 * A lane built with a latency sink also keeps, in a preallocated ring beside the data queue, the
 * {@link System#nanoTime()} at which each stamped data item was received, and reports the time from then until
 * the item is emitted to the socket writer (which requests only what it can write).
 */
public final class PriorityLane<T> {

    /** The stamp of data offered without a receipt time (marks, fallback audio): not timed. */
    public static final long UNSTAMPED = Long.MIN_VALUE;

    private final ArrayDeque<T> control = new ArrayDeque<>();
    private final ArrayDeque<T> data = new ArrayDeque<>();
    private final int capacity;
    private final Consumer<T> onDrop;
    private final LongConsumer latency;
    private final long[] stamps;
    private int stampHead;
    private final AtomicInteger wip = new AtomicInteger();
    private final Flux<T> flux;
    private volatile FluxSink<T> sink;
    private boolean completed;
    /** Data items dropped because the queue was full (not those cleared on purpose). */
    private long dropped;

    /** An untimed lane. */
    public PriorityLane(int capacity, Consumer<T> onDrop) {
        this(capacity, onDrop, null);
    }

    /** A lane that reports each stamped data item's nanoseconds from receipt to emission to {@code latency}. */
    public PriorityLane(int capacity, Consumer<T> onDrop, LongConsumer latency) {
        this.capacity = capacity;
        this.onDrop = onDrop;
        this.latency = latency;
        this.stamps = latency == null || capacity <= 0 ? null : new long[capacity];
        this.flux = Flux.create(s -> {
            sink = s;
            s.onRequest(n -> drain());
            s.onDispose(this::discardAll);
            drain();
        }, FluxSink.OverflowStrategy.IGNORE);
    }

    /** The lane's items; subscribe once. */
    public Flux<T> flux() {
        return flux;
    }

    public void offerControl(T item) {
        synchronized (this) {
            if (completed) {
                return;
            }
            control.add(item);
        }
        drain();
    }

    public void offerData(T item) {
        offerData(item, UNSTAMPED);
    }

    /** Data received at {@code receivedNanos} ({@link System#nanoTime()}); timed if the lane has a latency sink. */
    public void offerData(T item, long receivedNanos) {
        T dropped = null;
        synchronized (this) {
            if (completed) {
                return;
            }
            if (data.size() >= capacity) {
                dropped = data.poll();
                advanceStamp();
                this.dropped++;
            }
            data.add(item);
            if (stamps != null) {
                stamps[(stampHead + data.size() - 1) % capacity] = receivedNanos;
            }
        }
        if (dropped != null) {
            onDrop.accept(dropped);
        }
        drain();
    }

    /** Drops every queued data item; returns how many were dropped. */
    public int clearData() {
        synchronized (this) {
            int n = data.size();
            data.clear();
            stampHead = 0;
            return n;
        }
    }

    /** Emits what is queued, then completes. */
    public void complete() {
        synchronized (this) {
            completed = true;
        }
        drain();
    }

    public synchronized int queuedData() {
        return data.size();
    }

    /** Data items dropped so far because the queue was full. */
    public synchronized long dropped() {
        return dropped;
    }

    private synchronized void discardAll() {
        completed = true;
        control.clear();
        data.clear();
        stampHead = 0;
    }

    /** The oldest data item left the queue: its stamp goes too. Called under the lock. */
    private long advanceStamp() {
        if (stamps == null) {
            return UNSTAMPED;
        }
        long stamp = stamps[stampHead];
        stampHead = (stampHead + 1) % capacity;
        return stamp;
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        do {
            FluxSink<T> s = sink;
            if (s != null) {
                emit(s);
            }
        } while (wip.decrementAndGet() != 0);
    }

    private void emit(FluxSink<T> s) {
        while (true) {
            T next;
            boolean done;
            long stamp = UNSTAMPED;
            synchronized (this) {
                done = completed && control.isEmpty() && data.isEmpty();
                if (done || s.requestedFromDownstream() == 0) {
                    next = null;
                } else if (control.isEmpty()) {
                    next = data.poll();
                    if (next != null) {
                        stamp = advanceStamp();
                    }
                } else {
                    next = control.poll();
                }
            }
            if (done) {
                s.complete();
                return;
            }
            if (next == null) {
                return;
            }
            s.next(next);
            if (stamp != UNSTAMPED) {
                latency.accept(System.nanoTime() - stamp);
            }
        }
    }
}
