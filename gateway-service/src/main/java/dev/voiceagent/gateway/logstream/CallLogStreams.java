package dev.voiceagent.gateway.logstream;

import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.LogLine;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Live log lines per call, for this instance's SSE subscribers. A call has a multicast only while someone
 * watches it (lines for unwatched calls are dropped at once), each subscriber has a bounded buffer that drops the
 * oldest lines when it falls behind, and a call's end completes its streams after a short grace for late lines.
 */
public class CallLogStreams {

    private final Map<String, Channel> channels = new ConcurrentHashMap<>();
    private final int buffer;
    private final Duration closeGrace;

    public CallLogStreams(int buffer, Duration closeGrace) {
        this.buffer = buffer;
        this.closeGrace = closeGrace;
    }

    /** One watched call: its lines, and its end. */
    private static final class Channel {
        final Sinks.Many<EventEnvelope<LogLine>> lines = Sinks.many().multicast().directBestEffort();
        final Sinks.Empty<Void> ended = Sinks.empty();
        int subscribers;
    }

    /** Shows a line to the call's current subscribers, if any. */
    public void publish(EventEnvelope<LogLine> line) {
        Channel channel = channels.get(line.callSid());
        if (channel != null) {
            synchronized (channel) {
                channel.lines.tryEmitNext(line);
            }
        }
    }

    /** Ends the call's streams (after the grace period, so lines that trail the hang-up still arrive). */
    public void complete(String callSid) {
        Channel channel = channels.get(callSid);
        if (channel != null) {
            channel.ended.tryEmitEmpty();
        }
    }

    /** The lines of one call for one tenant, until the call ends; lines of another tenant never pass. */
    public Flux<EventEnvelope<LogLine>> watch(String tenantId, String callSid) {
        return Flux.usingWhen(Mono.fromSupplier(() -> attach(callSid)),
                channel -> channel.lines.asFlux()
                        .onBackpressureBuffer(buffer, dropped -> { }, reactor.core.publisher.BufferOverflowStrategy.DROP_OLDEST)
                        .filter(line -> Objects.equals(tenantId, line.tenantId()))
                        .takeUntilOther(channel.ended.asMono().then(Mono.delay(closeGrace))),
                channel -> Mono.fromRunnable(() -> detach(callSid)));
    }

    private Channel attach(String callSid) {
        return channels.compute(callSid, (sid, existing) -> {
            Channel channel = existing == null ? new Channel() : existing;
            synchronized (channel) {
                channel.subscribers++;
            }
            return channel;
        });
    }

    private void detach(String callSid) {
        channels.computeIfPresent(callSid, (sid, channel) -> {
            synchronized (channel) {
                channel.subscribers--;
                return channel.subscribers <= 0 ? null : channel;
            }
        });
    }

    /** Whether anyone on this instance watches the call right now. */
    public boolean watched(String callSid) {
        return channels.containsKey(callSid);
    }

    /** Calls watched right now (for tests and metrics). */
    public int watchedCalls() {
        return channels.size();
    }
}
