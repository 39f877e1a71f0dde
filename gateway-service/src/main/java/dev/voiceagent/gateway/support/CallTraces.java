package dev.voiceagent.gateway.support;

import dev.voiceagent.support.observability.TraceContinuation;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Carries one call's trace across the hops that have no trace headers of their own. Twilio forwards none, so
 * the W3C {@code traceparent} of the request that started the call rides in the webhook URLs given to Twilio
 * (Twilio signs and keeps their query strings) and in the signed media token, from which the relay to the
 * bridge continues it.
 */
public class CallTraces {

    /** The W3C trace-context header, and the query parameter of the same name on Twilio callback URLs. */
    public static final String TRACEPARENT = TraceContinuation.TRACEPARENT;

    private final Tracer tracer;
    private final Propagator propagator;

    /** Both may be null when tracing is off; then nothing is carried. */
    public CallTraces(Tracer tracer, Propagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    /** The {@code traceparent} of the span current on this thread, or null. */
    public String current() {
        if (tracer == null || propagator == null) {
            return null;
        }
        Span span = tracer.currentSpan();
        if (span == null) {
            return null;
        }
        Map<String, String> carrier = new HashMap<>();
        propagator.inject(span.context(), carrier, Map::put);
        String traceparent = carrier.get(TRACEPARENT);
        return valid(traceparent) ? traceparent : null;
    }

    /** {@code url} with the traceparent as a query parameter, or unchanged when there is none. */
    public static String withTraceparent(String url, String traceparent) {
        if (!valid(traceparent)) {
            return url;
        }
        return url + (url.contains("?") ? "&" : "?") + TRACEPARENT + "="
                + URLEncoder.encode(traceparent, StandardCharsets.UTF_8);
    }

    /** A well-formed version-00 traceparent; anything else is ignored rather than trusted. */
    public static boolean valid(String traceparent) {
        return TraceContinuation.valid(traceparent);
    }
}
