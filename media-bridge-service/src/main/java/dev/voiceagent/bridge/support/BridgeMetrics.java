package dev.voiceagent.bridge.support;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/** The bridge's meters: live sessions, frames relayed per direction, time to first agent audio, drops. */
public final class BridgeMetrics {

    private final Counter framesToModel;
    private final Counter framesToTwilio;
    private final Counter framesDropped;
    private final Counter bargeIns;
    private final Timer timeToFirstAudio;

    public BridgeMetrics(MeterRegistry registry, Supplier<Number> activeSessions) {
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

    public void firstAudio(Duration elapsed) {
        timeToFirstAudio.record(elapsed);
    }
}
