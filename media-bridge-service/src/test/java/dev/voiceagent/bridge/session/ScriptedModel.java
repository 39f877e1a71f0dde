package dev.voiceagent.bridge.session;

import dev.voiceagent.bridge.realtime.RealtimeClient;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * A realtime model stand-in for session tests: records what the bridge sends, emits what the test scripts. Each
 * connect is a new connection; the script talks to the latest one, {@code received} spans all of them and
 * {@link #receivedOn(int)} tells them apart.
 */
final class ScriptedModel implements RealtimeClient {

    final List<RealtimeClientEvent> received = new CopyOnWriteArrayList<>();
    final List<List<RealtimeClientEvent>> perConnection = new CopyOnWriteArrayList<>();
    private final List<Sinks.Many<RealtimeServerEvent>> connections = new CopyOnWriteArrayList<>();
    volatile String model;
    volatile boolean closedByBridge;

    @Override
    public Flux<RealtimeServerEvent> connect(String model, Flux<RealtimeClientEvent> outbound) {
        this.model = model;
        Sinks.Many<RealtimeServerEvent> events = Sinks.many().unicast().onBackpressureBuffer();
        List<RealtimeClientEvent> mine = new CopyOnWriteArrayList<>();
        connections.add(events);
        perConnection.add(mine);
        return Flux.defer(() -> {
            Disposable sending = outbound.subscribe(e -> {
                received.add(e);
                mine.add(e);
            }, e -> { }, () -> closedByBridge = true);
            return events.asFlux().doFinally(signal -> sending.dispose());
        });
    }

    int connections() {
        return connections.size();
    }

    private Sinks.Many<RealtimeServerEvent> latest() {
        return connections.get(connections.size() - 1);
    }

    void emit(RealtimeServerEvent event) {
        latest().tryEmitNext(event).orThrow();
    }

    void close() {
        latest().tryEmitComplete().orThrow();
    }

    void fail(Throwable error) {
        latest().tryEmitError(error).orThrow();
    }

    <T extends RealtimeClientEvent> List<T> receivedOf(Class<T> type) {
        return received.stream().filter(type::isInstance).map(type::cast).toList();
    }

    List<RealtimeClientEvent> receivedOn(int connection) {
        return perConnection.get(connection);
    }
}
