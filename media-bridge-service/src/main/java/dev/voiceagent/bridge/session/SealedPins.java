package dev.voiceagent.bridge.session;

import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.support.secrets.ArgumentSealer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PIN a caller gives to {@code lookup} leaves the bridge only sealed ({@link ArgumentSealer}) for the tool executor,
 * bound to its tenant, call and tool call, so that no PIN lies in plain text in {@code voice.tool.requests.v1}. Without
 * keys the bridge cannot seal, and sends the lookup without the PIN (the caller is then not verified) rather than
 * send it in the clear.
 */
public final class SealedPins {

    private static final Logger log = LoggerFactory.getLogger(SealedPins.class);

    private final ArgumentSealer sealer;

    public SealedPins(ArgumentSealer sealer) {
        this.sealer = sealer;
        if (!sealer.enabled()) {
            log.warn("no voice.tool-secrets.keys: callers cannot be verified by PIN (a PIN is never sent unsealed)");
        }
    }

    /**
     * {@code envelope} as it may leave the bridge: the same envelope unless it is a tool request with a PIN, which is
     * sealed (or taken out, without keys).
     */
    public EventEnvelope<?> sealed(EventEnvelope<?> envelope) {
        if (!(envelope.data() instanceof ToolRequested request) || request.arguments() == null
                || !request.arguments().containsKey(AgentState.PIN)
                || ArgumentSealer.isSealed(request.arguments().get(AgentState.PIN))) {
            return envelope;
        }
        Map<String, Object> arguments = new LinkedHashMap<>(request.arguments());
        Object pin = arguments.remove(AgentState.PIN);
        if (sealer.enabled() && pin != null) {
            arguments.put(AgentState.PIN, sealer.seal(String.valueOf(pin),
                    ArgumentSealer.binding(envelope.tenantId(), envelope.callSid(), request.toolCallId())));
        }
        ToolRequested sealedRequest = new ToolRequested(request.toolCallId(), request.tool(), Map.copyOf(arguments),
                request.agentVersionId(), request.intent(), request.callerAuthenticated(), request.callerNumber(),
                request.replyTopic(), request.verifiedAccount());
        return new EventEnvelope<>(envelope.id(), envelope.type(), envelope.source(), envelope.time(),
                envelope.tenantId(), envelope.callSid(), envelope.schemaVersion(), sealedRequest);
    }
}
