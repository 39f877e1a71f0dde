package dev.voiceagent.bridge.support;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The bridge's meters: live sessions, frames relayed per direction, the latency the bridge adds to each relayed
 * frame, time to first agent audio, drops, model errors, prewarm results, refused sessions and dropped session
 * records.
 */
public final class BridgeMetrics {

    private final Counter framesToModel;
    private final Counter framesToTwilio;
    private final Counter framesDropped;
    private final Counter bargeIns;
    private final Timer timeToFirstAudio;
    private final MeterRegistry registry;
    private final Counter recordsDropped;
    private final LongConsumer relayToModel;
    private final LongConsumer relayToTwilio;

    public BridgeMetrics(MeterRegistry registry, Supplier<Number> activeSessions) {
        this.registry = registry;
        this.recordsDropped = Counter.builder("voice.bridge.records.dropped").register(registry);
        // held strongly: a gauge keeps only a weak reference to its state by default, and the supplier given here
        // (a method reference) has no other holder, so after a collection the gauge would read NaN
        Gauge.builder("voice.bridge.sessions.active", activeSessions, s -> s.get().doubleValue())
                .strongReference(true)
                .register(registry);
        this.framesToModel = Counter.builder("voice.bridge.frames.relayed").tag("direction", "twilio_to_model")
                .register(registry);
        this.framesToTwilio = Counter.builder("voice.bridge.frames.relayed").tag("direction", "model_to_twilio")
                .register(registry);
        this.framesDropped = Counter.builder("voice.bridge.frames.dropped").register(registry);
        this.bargeIns = Counter.builder("voice.bridge.barge_ins").register(registry);
        this.timeToFirstAudio = Timer.builder("voice.bridge.time_to_first_audio").publishPercentileHistogram()
                .register(registry);
        Timer toModel = relayLatency(registry, "twilio_to_model");
        Timer toTwilio = relayLatency(registry, "model_to_twilio");
        // built once: the lanes call these per frame, so recording must not look up or allocate a meter
        this.relayToModel = nanos -> toModel.record(nanos, TimeUnit.NANOSECONDS);
        this.relayToTwilio = nanos -> toTwilio.record(nanos, TimeUnit.NANOSECONDS);
    }

    private static Timer relayLatency(MeterRegistry registry, String direction) {
        return Timer.builder("voice.bridge.relay.latency")
                .description("Time a media frame spends inside the bridge, from receipt to its socket")
                .tag("direction", direction)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(1))
                .register(registry);
    }

    /** Records a Twilio {@code media} frame's nanoseconds until its {@code input_audio_buffer.append} left. */
    public LongConsumer relayToModel() {
        return relayToModel;
    }

    /** Records a model audio delta's nanoseconds until its Twilio {@code media} frame left. */
    public LongConsumer relayToTwilio() {
        return relayToTwilio;
    }

    /**
     * {@code voice.bridge.model.errors{kind,code}}: kind {@code error_event} (code = the error's code, else its
     * type), {@code connection_closed}, {@code connection_failed} or {@code stalled} (code {@code none}).
     */
    /** {@code voice.bridge.sessions.refused{reason}}: media streams refused before a session began, e.g. at capacity. */
    public void sessionRefused(String reason) {
        registry.counter("voice.bridge.sessions.refused", "reason", reason).increment();
    }

    public void modelError(String kind, String code) {
        registry.counter("voice.bridge.model.errors", "kind", kind, "code", errorCode(code)).increment();
    }

    private static final Pattern CODE = Pattern.compile("[a-z0-9_.]{1,64}");

    /** The model's own code, when it looks like one; anything else is {@code other}, bounding the label. */
    private static String errorCode(String code) {
        if (code == null || code.isBlank()) {
            return "none";
        }
        String lower = code.toLowerCase(Locale.ROOT);
        return CODE.matcher(lower).matches() ? lower : "other";
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
