package dev.voiceagent.bridge.session;

import dev.voiceagent.support.observability.CallLogContext;
import dev.voiceagent.bridge.support.FrameBytes;
import dev.voiceagent.bridge.twilio.TwilioCodec;
import dev.voiceagent.bridge.twilio.TwilioCodecException;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.support.tenant.TenantDirectory;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code WS /internal/v1/media-stream}: the gateway's relay of one Twilio media stream. Checks the
 * {@code X-Voice-*} headers and the tenant (close 1008 with the reason otherwise), then runs a {@link VoiceSession}
 * as two directed pipelines: Twilio frames into the session, the session's frames back to Twilio. The session
 * decides the end; the socket closes with the session's status once the outbound side has flushed.
 */
public class MediaStreamHandler implements WebSocketHandler {

    private static final Logger log = LoggerFactory.getLogger(MediaStreamHandler.class);

    private final TenantDirectory tenants;
    private final SessionRegistry registry;
    private final SessionDependencies deps;
    private final TwilioCodec codec = new TwilioCodec();
    private final FrameBytes.Reader<TwilioStreamMessage> decoder = this::decode;

    public MediaStreamHandler(TenantDirectory tenants, SessionRegistry registry, SessionDependencies deps) {
        this.tenants = tenants;
        this.registry = registry;
        this.deps = deps;
    }

    @Override
    public Mono<Void> handle(WebSocketSession ws) {
        CallContext.Result parsed = CallContext.from(ws.getHandshakeInfo().getHeaders());
        if (parsed.rejection() != null) {
            return reject(ws, parsed.rejection());
        }
        CallContext call = parsed.context();
        Optional<TenantConfigPublished> tenant = tenants.byId(call.tenantId()).filter(TenantConfigPublished::enabled);
        if (tenant.isEmpty()) {
            return reject(ws, "unknown tenant " + call.tenantId());
        }
        Optional<AgentView> agent = findAgent(tenant.get(), call.agentKey());
        if (agent.isEmpty()) {
            return reject(ws, "unknown agent " + call.agentKey());
        }
        VoiceSession session = new VoiceSession(call, tenant.get(), agent.get(), deps);
        SessionRegistry.Admission admission = registry.admit(session);
        if (admission == SessionRegistry.Admission.FULL) {
            // before the session touches the model: the gateway passes 1013 to Twilio, and this instance reports
            // itself not ready, so new calls go elsewhere
            deps.metrics().sessionRefused("capacity");
            log.info("refusing media stream of call {}: this instance holds its {} sessions", call.callSid(),
                    registry.maxSessions());
            return ws.close(CloseStatus.SERVICE_OVERLOAD.withReason("media bridge at capacity"));
        }
        if (admission == SessionRegistry.Admission.DUPLICATE) {
            return reject(ws, "a session for this call is already live");
        }
        // every log line of the session carries its call SID and tenant (MDC through the Reactor context)
        // its slot goes when the call ends, not once its last events are published: through a broker outage that
        // takes minutes, and ended calls would hold the instance at capacity
        Mono<Void> released = session.ended().then(Mono.fromRunnable(() -> registry.remove(session)));
        return Mono.when(run(ws, session), released).doFinally(signal -> registry.remove(session))
                .transform(CallLogContext.forCall(call.tenantId(), call.callSid()));
    }

    private Mono<Void> run(WebSocketSession ws, VoiceSession session) {
        Flux<TwilioStreamMessage> inbound = ws.receive()
                .filter(message -> message.getType() == WebSocketMessage.Type.TEXT)
                // mapNotNull, not handle: with automatic context propagation handle restores thread-locals per frame.
                // Each frame is decoded from its bytes, with no string of the whole frame (FrameBytes)
                .mapNotNull(message -> FrameBytes.read(message.getPayload(), decoder));
        // the outbound lane completes when the session ends: flush it, then close with the session's status.
        // A send failure means the gateway went away; the inbound side then ends the session.
        // the socket writer subscribes to the lane without a Reactor context (see VoiceSession#run)
        Mono<Void> outbound = ws.send(session.toTwilio().map(m ->
                        new WebSocketMessage(WebSocketMessage.Type.TEXT, ws.bufferFactory().wrap(codec.encodeUtf8(m)))))
                .contextWrite(VoiceSession.FRAME_PATH)
                .onErrorResume(e -> Mono.empty())
                .then(Mono.defer(() -> ws.close(session.closeStatus())));
        // both must end: the socket closed (by us or the peer) and the session's last events published
        return Mono.when(outbound, session.run(inbound));
    }

    private TwilioStreamMessage decode(byte[] frame, int length) {
        try {
            return codec.decode(frame, length).orElse(null);
        } catch (TwilioCodecException e) {
            log.debug("skipping malformed Twilio frame: {}", e.getMessage());
            return null;
        }
    }

    private static Optional<AgentView> findAgent(TenantConfigPublished tenant, String agentKey) {
        return tenant.agents() == null ? Optional.empty()
                : tenant.agents().stream().filter(a -> agentKey.equals(a.agentKey())).findFirst();
    }

    private static Mono<Void> reject(WebSocketSession ws, String reason) {
        log.info("rejecting media stream: {}", reason);
        String shortReason = reason.length() > 120 ? reason.substring(0, 120) : reason;
        return ws.close(CloseStatus.POLICY_VIOLATION.withReason(shortReason));
    }
}
