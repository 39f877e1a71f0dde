package dev.voiceagent.bridge.realtime;

import dev.voiceagent.bridge.support.PriorityLane;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.context.Context;

/**
 * One open (or opening) realtime model socket that outlives the code that opened it: the prewarm endpoint or the
 * warm pool opens it, a session takes it over later. Outbound events go through a bounded priority lane; inbound
 * events are buffered (bounded) until the owner reads {@link #events()}, which ends when the model closes and errors
 * when the connection fails. The connection is a tracked {@link Disposable}: whoever holds the link disposes it.
 */
public final class ModelConnection implements Disposable {

    private static final int INBOUND_BUFFER = 4096;
    private static final Sinks.EmitFailureHandler RETRY = Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100));

    private final String model;
    private final long openedAtMs;
    private final PriorityLane<RealtimeClientEvent> outbound;
    private final Sinks.Many<RealtimeServerEvent> inbound =
            Sinks.many().unicast().onBackpressureBuffer(new ArrayBlockingQueue<>(INBOUND_BUFFER));
    private final Disposable connection;
    private volatile boolean configured;
    private volatile boolean ended;

    private ModelConnection(RealtimeClient client, String model, long openedAtMs, int laneCapacity,
                            Consumer<RealtimeClientEvent> onDrop, LongConsumer relayLatency) {
        this.model = model;
        this.openedAtMs = openedAtMs;
        this.outbound = new PriorityLane<>(laneCapacity, onDrop, relayLatency);
        this.connection = client.connect(model, outbound.flux())
                // without the opener's Reactor context: every frame would restore its thread locals
                .subscribe(this::received, this::failed, this::completed, Context.empty());
    }

    /** Connects now; events are buffered until read. */
    public static ModelConnection open(RealtimeClient client, String model, long nowMs, int laneCapacity,
                                       Consumer<RealtimeClientEvent> onDrop) {
        return new ModelConnection(client, model, nowMs, laneCapacity, onDrop, null);
    }

    /**
     * Connects now; audio offered with its receipt time reports the nanoseconds until it is handed to the socket
     * to {@code relayLatency}.
     */
    public static ModelConnection open(RealtimeClient client, String model, long nowMs, int laneCapacity,
                                       Consumer<RealtimeClientEvent> onDrop, LongConsumer relayLatency) {
        return new ModelConnection(client, model, nowMs, laneCapacity, onDrop, relayLatency);
    }

    private void received(RealtimeServerEvent event) {
        if (inbound.tryEmitNext(event).isFailure()) {
            // the owner stopped reading (or the buffer is full): the link is useless, close it
            outbound.complete();
        }
    }

    private void failed(Throwable error) {
        ended = true;
        inbound.emitError(error, RETRY);
    }

    private void completed() {
        ended = true;
        inbound.emitComplete(RETRY);
    }

    /** True once the model side has closed or failed. */
    public boolean ended() {
        return ended;
    }

    public String model() {
        return model;
    }

    /** When the model session began (its 60-minute limit counts from here). */
    public long openedAtMs() {
        return openedAtMs;
    }

    /** The lane to the model: control ahead of audio, audio bounded. */
    public PriorityLane<RealtimeClientEvent> outbound() {
        return outbound;
    }

    /** The model's events; subscribe once. */
    public Flux<RealtimeServerEvent> events() {
        return inbound.asFlux();
    }

    /** Sends the session configuration and remembers that it did. */
    public void configure(RealtimeClientEvent.SessionUpdate update) {
        outbound.offerControl(update);
        configured = true;
    }

    public boolean configured() {
        return configured;
    }

    /** Ends the link gracefully: what is queued goes out, then the client sends a normal close. */
    public void close() {
        outbound.complete();
    }

    @Override
    public void dispose() {
        outbound.complete();
        connection.dispose();
    }

    @Override
    public boolean isDisposed() {
        return connection.isDisposed();
    }
}
