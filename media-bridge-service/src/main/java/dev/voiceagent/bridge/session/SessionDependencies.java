package dev.voiceagent.bridge.session;

import dev.voiceagent.bridge.realtime.RealtimeClient;
import dev.voiceagent.bridge.realtime.RealtimeProperties;
import dev.voiceagent.bridge.support.BridgeMetrics;
import dev.voiceagent.bridge.support.BridgeProperties;
import dev.voiceagent.bridge.tools.PendingToolCalls;
import reactor.core.scheduler.Scheduler;

/** What every session of this instance shares: the model client, event sink, reply registry, meters, settings. */
public record SessionDependencies(RealtimeClient realtime, SessionEventPublisher publisher, String source,
                                  PendingToolCalls pendingTools, BridgeMetrics metrics, BridgeProperties bridge,
                                  RealtimeProperties realtimeSettings, Scheduler timers) {
}
