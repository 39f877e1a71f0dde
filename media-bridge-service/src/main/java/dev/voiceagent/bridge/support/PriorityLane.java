package dev.voiceagent.bridge.support;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * A single-consumer outbound lane with two queues: control messages always go ahead of queued data, and the data
 * queue is bounded (the oldest item is dropped when it is full) and can be emptied at once, which is how an
 * interruption overtakes and discards audio that has not been written yet. Emits only on demand.
 * <p>
 * A lane built with a latency sink also keeps, in a preallocated ring beside the data queue, the
 * {@link System#nanoTime()} at which each stamped data item was received, and reports the time from then until
 * the item is emitted to the socket writer (which requests only what it can write).
 * <p>
 * The lane is its own {@link Flux} rather than a {@code Flux.create}: with automatic context propagation Reactor
 * wraps the subscriber of every {@code Flux.create} in an operator that restores the thread-locals of the
 * subscriber's context around each signal — an empty context included, which still clears and restores every
 * registered accessor. On a lane that is every audio frame, in both directions.
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
    private final AtomicLong requested = new AtomicLong();
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private final Flux<T> flux = new LaneFlux();
    private volatile CoreSubscriber<? super T> subscriber;
    private volatile boolean cancelled;
    /** Set by the drain loop (serialised by {@link #wip}) once the subscriber has been completed. */
    private boolean terminated;
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
    }

    /** The lane's items; subscribe once (a second subscriber gets an error). */
    public Flux<T> flux() {
        return flux;
    }

    /** The lane as a publisher that passes for one of Reactor's own, so that its items restore no thread-locals. */
    private final class LaneFlux extends Flux<T> implements Scannable {
        @Override
        public void subscribe(CoreSubscriber<? super T> actual) {
            attach(actual);
        }

        @Override
        public Object scanUnsafe(Attr key) {
            return ReactorOwnProducer.scan(key);
        }
    }

    private void attach(CoreSubscriber<? super T> actual) {
        if (!subscribed.compareAndSet(false, true)) {
            Operators.error(actual, new IllegalStateException("a lane has one subscriber"));
            return;
        }
        actual.onSubscribe(new Subscription() {
            @Override
            public void request(long n) {
                if (Operators.validate(n)) {
                    requested.accumulateAndGet(n, Operators::addCap);
                    drain();
                }
            }

            @Override
            public void cancel() {
                cancelled = true;
                discardAll();
            }
        });
        // only now can the drain loop see it: nothing (not even completion) reaches it before onSubscribe returned
        subscriber = actual;
        drain();
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
        T oldest = null;
        synchronized (this) {
            if (completed) {
                return;
            }
            if (data.size() >= capacity) {
                oldest = data.poll();
                advanceStamp();
                dropped++;
            }
            data.add(item);
            if (stamps != null) {
                stamps[(stampHead + data.size() - 1) % capacity] = receivedNanos;
            }
        }
        if (oldest != null) {
            onDrop.accept(oldest);
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
            CoreSubscriber<? super T> s = subscriber;
            if (s != null && !terminated) {
                emit(s);
            }
        } while (wip.decrementAndGet() != 0);
    }

    private void emit(CoreSubscriber<? super T> s) {
        while (!cancelled) {
            T next;
            boolean done;
            long stamp = UNSTAMPED;
            synchronized (this) {
                done = completed && control.isEmpty() && data.isEmpty();
                if (done || requested.get() == 0) {
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
                terminated = true;
                s.onComplete();
                discardAll();
                return;
            }
            if (next == null) {
                return;
            }
            if (requested.get() != Long.MAX_VALUE) {
                requested.decrementAndGet();
            }
            s.onNext(next);
            if (stamp != UNSTAMPED) {
                latency.accept(System.nanoTime() - stamp);
            }
        }
    }
}
