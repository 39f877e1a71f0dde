package dev.voiceagent.bridge.session;

import dev.voiceagent.bridge.realtime.ModelConnection;
import dev.voiceagent.bridge.realtime.RealtimeClient;
import dev.voiceagent.bridge.support.BridgeMetrics;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import reactor.core.scheduler.Scheduler;

/** Where sessions get their model connections: a prewarmed one for the call, a pooled one, or a fresh one. */
public interface ModelLinks {

    /** The call's prewarmed, already configured connection, if one waits for it (it is handed over once). */
    Optional<ModelConnection> takePrewarmed(CallContext call, String model);

    /** A connection for a new or rebuilt session: from the warm pool when one is there, else a fresh one. */
    ModelConnection open(String model);

    /** No prewarming, no pool: every session connects when its stream starts. */
    static ModelLinks direct(RealtimeClient client, int laneCapacity, BridgeMetrics metrics, Scheduler clock) {
        return new ModelLinks() {
            @Override
            public Optional<ModelConnection> takePrewarmed(CallContext call, String model) {
                return Optional.empty();
            }

            @Override
            public ModelConnection open(String model) {
                return ModelConnection.open(client, model, clock.now(TimeUnit.MILLISECONDS), laneCapacity,
                        dropped -> metrics.frameDropped(), metrics.relayToModel());
            }
        };
    }
}
