package dev.voiceagent.bridge.session;

import dev.voiceagent.support.observability.TraceContinuation;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpHeaders;

/**
 * Who the call is, as the gateway states it in the {@code X-Voice-*} headers of the internal media stream, plus the
 * W3C trace context of the incoming request ({@code traceparent}/{@code tracestate}) when the gateway passed one.
 */
public record CallContext(String callSid, String tenantId, String agentKey, String agentVersionId,
                          String callerNumber, String direction, Map<String, String> traceContext) {

    public static final String CALL_SID = "X-Voice-Call-Sid";
    public static final String TENANT_ID = "X-Voice-Tenant-Id";
    public static final String AGENT_KEY = "X-Voice-Agent-Key";
    public static final String AGENT_VERSION_ID = "X-Voice-Agent-Version-Id";
    public static final String CALLER = "X-Voice-Caller";
    public static final String DIRECTION = "X-Voice-Direction";
    public static final String TRACEPARENT = TraceContinuation.TRACEPARENT;
    public static final String TRACESTATE = "tracestate";

    public CallContext {
        traceContext = traceContext == null ? Map.of() : Map.copyOf(traceContext);
    }

    /** A context without trace context. */
    public CallContext(String callSid, String tenantId, String agentKey, String agentVersionId, String callerNumber,
                       String direction) {
        this(callSid, tenantId, agentKey, agentVersionId, callerNumber, direction, Map.of());
    }

    /** The context, or the reason it cannot be built (a missing required header). */
    public static Result from(HttpHeaders headers) {
        for (String required : new String[] {CALL_SID, TENANT_ID, AGENT_KEY}) {
            if (value(headers, required).isEmpty()) {
                return new Result(null, "missing header " + required);
            }
        }
        Map<String, String> trace = new LinkedHashMap<>();
        value(headers, TRACEPARENT).ifPresent(v -> trace.put(TRACEPARENT, v));
        value(headers, TRACESTATE).ifPresent(v -> trace.put(TRACESTATE, v));
        return new Result(new CallContext(value(headers, CALL_SID).get(), value(headers, TENANT_ID).get(),
                value(headers, AGENT_KEY).get(), value(headers, AGENT_VERSION_ID).orElse(null),
                value(headers, CALLER).orElse(null), value(headers, DIRECTION).orElse("inbound"), trace), null);
    }

    private static Optional<String> value(HttpHeaders headers, String name) {
        return Optional.ofNullable(headers.getFirst(name)).map(String::trim).filter(v -> !v.isEmpty());
    }

    /** Either a context or a rejection reason. */
    public record Result(CallContext context, String rejection) {
    }
}
