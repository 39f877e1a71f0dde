package dev.voiceagent.bridge.session;

import dev.voiceagent.bridge.realtime.RealtimeClient;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/** A realtime model stand-in for session tests: records what the bridge sends, emits what the test scripts. */
final class ScriptedModel implements RealtimeClient {

    final List<RealtimeClientEvent> received = new CopyOnWriteArrayList<>();
    private final Sinks.Many<RealtimeServerEvent> events = Sinks.many().unicast().onBackpressureBuffer();
    volatile String model;
    volatile boolean closedByBridge;

    @Override
    public Flux<RealtimeServerEvent> connect(String model, Flux<RealtimeClientEvent> outbound) {
        this.model = model;
        return Flux.defer(() -> {
            Disposable sending = outbound.subscribe(received::add, e -> { }, () -> closedByBridge = true);
            return events.asFlux().doFinally(signal -> sending.dispose());
        });
    }

    void emit(RealtimeServerEvent event) {
        events.tryEmitNext(event).orThrow();
    }

    void close() {
        events.tryEmitComplete().orThrow();
    }

    void fail(Throwable error) {
        events.tryEmitError(error).orThrow();
    }

    <T extends RealtimeClientEvent> List<T> receivedOf(Class<T> type) {
        return received.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
