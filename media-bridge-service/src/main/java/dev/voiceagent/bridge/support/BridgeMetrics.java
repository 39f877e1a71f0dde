package dev.voiceagent.bridge.support;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The bridge's meters: live sessions, frames relayed per direction, time to first agent audio, drops, prewarm
 * results and dropped session records.
 */
public final class BridgeMetrics {

    private final Counter framesToModel;
    private final Counter framesToTwilio;
    private final Counter framesDropped;
    private final Counter bargeIns;
    private final Timer timeToFirstAudio;
    private final MeterRegistry registry;
    private final Counter recordsDropped;

    public BridgeMetrics(MeterRegistry registry, Supplier<Number> activeSessions) {
        this.registry = registry;
        this.recordsDropped = Counter.builder("voice.bridge.records.dropped").register(registry);
        registry.gauge("voice.bridge.sessions.active", activeSessions, s -> s.get().doubleValue());
        this.framesToModel = Counter.builder("voice.bridge.frames.relayed").tag("direction", "twilio_to_model")
                .register(registry);
        this.framesToTwilio = Counter.builder("voice.bridge.frames.relayed").tag("direction", "model_to_twilio")
                .register(registry);
        this.framesDropped = Counter.builder("voice.bridge.frames.dropped").register(registry);
        this.bargeIns = Counter.builder("voice.bridge.barge_ins").register(registry);
        this.timeToFirstAudio = Timer.builder("voice.bridge.time_to_first_audio").publishPercentileHistogram()
                .register(registry);
    }

    public void frameToModel() {
        framesToModel.increment();
    }

    public void frameToTwilio() {
        framesToTwilio.increment();
    }

    public void frameDropped() {
        framesDropped.increment();
    }

    public void bargeIn() {
        bargeIns.increment();
    }

    /** A prewarm lifecycle step: opened, taken, expired, mismatched, pooled. */
    public void prewarm(String result) {
        registry.counter("voice.bridge.prewarm", "result", result).increment();
    }

    /** A session record could not be queued for the database (queue full). */
    public void recordDropped() {
        recordsDropped.increment();
    }

    public void firstAudio(Duration elapsed) {
        timeToFirstAudio.record(elapsed);
    }
}
