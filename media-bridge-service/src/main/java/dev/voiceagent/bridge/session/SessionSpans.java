package dev.voiceagent.bridge.session;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;
import java.util.Map;

/**
 * Spans (Micrometer Observations) on the media path, which WebSocket tracing does not cover: the session, opening
 * the model session, the first agent audio, and each tool call. The session span continues the incoming request's
 * trace from the {@code traceparent} the gateway passed on the handshake. Call SID and tenant are high-cardinality
 * (span attributes only, never metric tags); tool, status, outcome and prewarmed are low-cardinality. Used from the
 * session's single lane only.
 */
final class SessionSpans {

    private final ObservationRegistry registry;
    private final CallContext call;
    private Observation session;
    private Observation modelOpen;
    private Observation firstAudio;

    SessionSpans(ObservationRegistry registry, CallContext call) {
        this.registry = registry;
        this.call = call;
    }

    void started(boolean prewarmed) {
        ReceiverContext<Map<String, String>> context = new ReceiverContext<>(Map::get, Kind.SERVER);
        context.setCarrier(call.traceContext());
        context.setRemoteServiceName("gateway-service");
        session = Observation.createNotStarted("voice.bridge.session", () -> context, registry)
                .contextualName("voice session")
                .lowCardinalityKeyValue("prewarmed", String.valueOf(prewarmed))
                .highCardinalityKeyValue("call.sid", call.callSid())
                .highCardinalityKeyValue("tenant.id", call.tenantId())
                .start();
        firstAudio = child("voice.bridge.first_audio", "first agent audio").start();
    }

    /** A model connection is being opened (or was taken over already open when {@code prewarmed}). */
    void modelOpening(String reason, boolean prewarmed) {
        stop(modelOpen);
        modelOpen = child("voice.bridge.model.open", "open model session")
                .lowCardinalityKeyValue("reason", reason)
                .lowCardinalityKeyValue("prewarmed", String.valueOf(prewarmed))
                .start();
    }

    void modelReady() {
        modelOpen = stop(modelOpen);
    }

    void firstAudio() {
        if (firstAudio != null) {
            firstAudio.lowCardinalityKeyValue("status", "ok");
        }
        firstAudio = stop(firstAudio);
    }

    Observation tool(String tool, String toolCallId) {
        return child("voice.bridge.tool", "tool " + tool)
                .lowCardinalityKeyValue("tool", tool)
                .highCardinalityKeyValue("tool.call.id", toolCallId)
                .start();
    }

    void toolDone(Observation tool, String status) {
        if (tool != null) {
            tool.lowCardinalityKeyValue("status", status).stop();
        }
    }

    void ended(String outcome) {
        modelOpen = stop(modelOpen);
        if (firstAudio != null) {
            firstAudio.lowCardinalityKeyValue("status", "no_audio");
            firstAudio = stop(firstAudio);
        }
        if (session != null) {
            session.lowCardinalityKeyValue("outcome", outcome).stop();
            session = null;
        }
    }

    private Observation child(String name, String contextualName) {
        return Observation.createNotStarted(name, registry)
                .contextualName(contextualName)
                .parentObservation(session)
                .highCardinalityKeyValue("call.sid", call.callSid())
                .highCardinalityKeyValue("tenant.id", call.tenantId());
    }

    private static Observation stop(Observation observation) {
        if (observation != null) {
            observation.stop();
        }
        return null;
    }
}
