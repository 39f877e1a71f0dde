package dev.voiceagent.bridge.session;

import dev.voiceagent.bridge.realtime.RealtimeClient;
import dev.voiceagent.bridge.realtime.RealtimeProperties;
import dev.voiceagent.bridge.support.BridgeMetrics;
import dev.voiceagent.bridge.support.BridgeProperties;
import dev.voiceagent.bridge.tools.PendingToolCalls;
import io.micrometer.observation.ObservationRegistry;
import reactor.core.scheduler.Scheduler;

/**
 * What every session of this instance shares: the model client and connection source, event sink, reply
 * registry, session records, meters and spans, settings, timers.
 */
public record SessionDependencies(RealtimeClient realtime, SessionEventPublisher publisher, String source,
                                  PendingToolCalls pendingTools, BridgeMetrics metrics, BridgeProperties bridge,
                                  RealtimeProperties realtimeSettings, Scheduler timers, ModelLinks links,
                                  SessionRecorder recorder, ObservationRegistry observations, FallbackPrompts fallback) {

    /** Without prewarming, records or spans: sessions connect at stream start. */
    public SessionDependencies(RealtimeClient realtime, SessionEventPublisher publisher, String source,
                               PendingToolCalls pendingTools, BridgeMetrics metrics, BridgeProperties bridge,
                               RealtimeProperties realtimeSettings, Scheduler timers) {
        this(realtime, publisher, source, pendingTools, metrics, bridge, realtimeSettings, timers,
                ModelLinks.direct(realtime, bridge.modelQueueFrames(), metrics, timers), SessionRecorder.NONE,
                ObservationRegistry.NOOP, FallbackPrompts.load(bridge.resilience()));
    }
}
