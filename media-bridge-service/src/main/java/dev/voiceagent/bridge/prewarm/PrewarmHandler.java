package dev.voiceagent.bridge.prewarm;

import dev.voiceagent.bridge.realtime.RealtimeProperties;
import dev.voiceagent.bridge.session.CallContext;
import dev.voiceagent.bridge.session.SessionRegistry;
import dev.voiceagent.bridge.session.SessionSetup;
import dev.voiceagent.bridge.support.Masking;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.tenant.TenantDirectory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code POST /internal/v1/sessions/prewarm} (gateway only, like the media stream): opens and configures the call's
 * model session while Twilio is still fetching TwiML, so the first turn does not pay for the model handshake.
 * Answers 202 at once; the connection proceeds in the background and expires unused after the prewarm TTL.
 */
public class PrewarmHandler {

    private static final Logger log = LoggerFactory.getLogger(PrewarmHandler.class);

    private final TenantDirectory tenants;
    private final SessionRegistry sessions;
    private final PrewarmRegistry prewarm;
    private final RealtimeProperties realtime;
    private final Duration ttl;

    public PrewarmHandler(TenantDirectory tenants, SessionRegistry sessions, PrewarmRegistry prewarm,
                          RealtimeProperties realtime, Duration ttl) {
        this.tenants = tenants;
        this.sessions = sessions;
        this.prewarm = prewarm;
        this.realtime = realtime;
        this.ttl = ttl;
    }

    /** The request body; snake_case on the wire. */
    public record PrewarmRequest(String callSid, String tenantId, String agentKey, String agentVersionId,
                                 String caller, String direction) {
    }

    public Mono<ServerResponse> prewarm(ServerRequest request) {
        return request.bodyToMono(PrewarmRequest.class)
                .switchIfEmpty(Mono.error(() -> Problems.badRequest("A JSON body is required.")))
                .flatMap(this::prewarm);
    }

    private Mono<ServerResponse> prewarm(PrewarmRequest body) {
        for (Map.Entry<String, String> required : Map.of("call_sid", nullToEmpty(body.callSid()), "tenant_id",
                nullToEmpty(body.tenantId()), "agent_key", nullToEmpty(body.agentKey())).entrySet()) {
            if (required.getValue().isBlank()) {
                return Mono.error(Problems.invalidField(required.getKey(), "is required"));
            }
        }
        TenantConfigPublished tenant = tenants.byId(body.tenantId()).filter(TenantConfigPublished::enabled)
                .orElse(null);
        if (tenant == null) {
            return Mono.error(Problems.notFound("Unknown tenant " + body.tenantId() + "."));
        }
        AgentView agent = SessionSetup.findAgent(tenant, body.agentKey()).orElse(null);
        if (agent == null) {
            return Mono.error(Problems.notFound("Unknown agent " + body.agentKey() + "."));
        }
        if (sessions.isLive(body.callSid())) {
            return answer(HttpStatus.OK, body, "already_streaming");
        }
        if (sessions.full()) {
            return Mono.error(Problems.unavailable("This media bridge instance is at capacity; the call's stream will "
                    + "be placed on another instance."));
        }
        CallContext call = new CallContext(body.callSid(), body.tenantId(), body.agentKey(), body.agentVersionId(),
                body.caller(), body.direction() == null ? "inbound" : body.direction());
        PrewarmRegistry.Result result = prewarm.prewarm(call, SessionSetup.of(tenant, agent, body.agentVersionId(), realtime));
        // The stream may have started while the prewarm was set up: its session found nothing to take and opened a
        // model session of its own, and this one would wait unused until it expires. A stream that starts after this
        // check finds the prewarmed session (it was registered before the check).
        if (result == PrewarmRegistry.Result.PREWARMED && sessions.started(call.callSid())
                && prewarm.withdraw(call.callSid())) {
            log.info("call {}: its stream started while the model session was prewarmed; closed the prewarmed one",
                    call.callSid());
            return answer(HttpStatus.OK, body, "already_streaming");
        }
        return switch (result) {
            case PREWARMED -> {
                log.info("call {}: model session prewarmed (tenant {}, agent {}, caller {})", call.callSid(),
                        call.tenantId(), call.agentKey(), Masking.phone(call.callerNumber()));
                yield answer(HttpStatus.ACCEPTED, body, "prewarming");
            }
            case ALREADY_PREWARMED -> answer(HttpStatus.OK, body, "already_prewarmed");
            case TOO_MANY -> Mono.error(Problems.unavailable("Too many prewarmed sessions; the call will connect "
                    + "when its stream starts."));
        };
    }

    private Mono<ServerResponse> answer(HttpStatus status, PrewarmRequest body, String state) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("call_sid", body.callSid());
        answer.put("status", state);
        answer.put("expires_in_ms", ttl.toMillis());
        return ServerResponse.status(status).bodyValue(answer);
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
