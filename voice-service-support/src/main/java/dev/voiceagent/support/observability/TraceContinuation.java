package dev.voiceagent.support.observability;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.micrometer.observation.transport.ReceiverContext;
import java.util.Map;
import java.util.regex.Pattern;
import reactor.core.publisher.Mono;

/**
 * Runs deferred work (an outbox relay pass, a queued background send) inside the trace of the request that
 * caused it, from the W3C {@code traceparent} captured at that time: the work gets a span whose remote parent
 * is that context, so what it publishes stays in the call's trace instead of starting a new one.
 */
public final class TraceContinuation {

    /** The W3C trace-context header (and, on Twilio callback URLs, query parameter) this platform propagates. */
    public static final String TRACEPARENT = "traceparent";

    private static final Pattern VALID = Pattern.compile("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$");

    private TraceContinuation() {
    }

    /** Whether {@code traceparent} is a W3C trace context of version 00 that this platform propagates. */
    public static boolean valid(String traceparent) {
        return traceparent != null && VALID.matcher(traceparent).matches();
    }

    /** {@code work} under a span named {@code name} continuing {@code traceparent}; unchanged when it is absent. */
    public static <T> Mono<T> continuing(ObservationRegistry registry, String name, String traceparent, Mono<T> work) {
        if (registry == null || registry.isNoop() || !valid(traceparent)) {
            return work;
        }
        return Mono.defer(() -> {
            ReceiverContext<Map<String, String>> context = new ReceiverContext<>((carrier, key) -> carrier.get(key));
            context.setCarrier(Map.of(TRACEPARENT, traceparent));
            Observation observation = Observation.createNotStarted(name, () -> context, registry).start();
            return work.contextWrite(ctx -> ctx.put(ObservationThreadLocalAccessor.KEY, observation))
                    .doOnError(observation::error)
                    .doFinally(signal -> observation.stop());
        });
    }
}
