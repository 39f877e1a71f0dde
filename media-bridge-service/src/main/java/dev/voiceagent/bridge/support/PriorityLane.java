package dev.voiceagent.bridge.support;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * A single-consumer outbound lane with two queues: control messages always go ahead of queued data, and the data
 * queue is bounded (the oldest item is dropped when it is full) and can be emptied at once, which is how an
 * interruption overtakes and discards audio that has not been written yet. Emits only on demand.
 */
public final class PriorityLane<T> {

    private final ArrayDeque<T> control = new ArrayDeque<>();
    private final ArrayDeque<T> data = new ArrayDeque<>();
    private final int capacity;
    private final Consumer<T> onDrop;
    private final AtomicInteger wip = new AtomicInteger();
    private final Flux<T> flux;
    private volatile FluxSink<T> sink;
    private boolean completed;

    public PriorityLane(int capacity, Consumer<T> onDrop) {
        this.capacity = capacity;
        this.onDrop = onDrop;
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
        T dropped = null;
        synchronized (this) {
            if (completed) {
                return;
            }
            if (data.size() >= capacity) {
                dropped = data.poll();
            }
            data.add(item);
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

    private synchronized void discardAll() {
        completed = true;
        control.clear();
        data.clear();
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
            synchronized (this) {
                done = completed && control.isEmpty() && data.isEmpty();
                next = done || s.requestedFromDownstream() == 0 ? null
                        : control.isEmpty() ? data.poll() : control.poll();
            }
            if (done) {
                s.complete();
                return;
            }
            if (next == null) {
                return;
            }
            s.next(next);
        }
    }
}
