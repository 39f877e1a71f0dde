package dev.voiceagent.bridge.realtime;

import reactor.core.publisher.Flux;

/** Opens one realtime model session per call. */
public interface RealtimeClient {

    /**
     * Connects when subscribed, sends {@code outbound} in order, and emits the model's events. Completes when the
     * model closes the socket (or after the close grace once {@code outbound} completes); errors when the
     * connection fails; cancelling closes the socket.
     */
    Flux<RealtimeServerEvent> connect(String model, Flux<RealtimeClientEvent> outbound);
}
