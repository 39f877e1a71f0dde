package dev.voiceagent.gateway.support;

import java.util.Set;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * Lets Twilio's webhooks join the trace of the call that asked for them: a {@code traceparent} query parameter
 * (which {@link CallTraces} put on the URLs given to Twilio) becomes the request's trace header before the
 * server observation starts, so the webhook's span is a child of the make-call request. Applied around the
 * whole HTTP handler, since WebFlux observes requests before any WebFilter runs.
 */
public class TwilioTraceContextDecorator implements HttpHandlerDecoratorFactory {

    static final Set<String> WEBHOOKS = Set.of("/api/v1/incoming-call", "/api/v1/call-status", "/api/v1/amd-status");

    @Override
    public HttpHandler apply(HttpHandler handler) {
        return (request, response) -> handler.handle(withTraceHeader(request), response);
    }

    static ServerHttpRequest withTraceHeader(ServerHttpRequest request) {
        if (!WEBHOOKS.contains(request.getPath().value())
                || request.getHeaders().containsHeader(CallTraces.TRACEPARENT)) {
            return request;
        }
        String traceparent = request.getQueryParams().getFirst(CallTraces.TRACEPARENT);
        if (!CallTraces.valid(traceparent)) {
            return request;
        }
        return request.mutate().header(CallTraces.TRACEPARENT, traceparent).build();
    }
}
