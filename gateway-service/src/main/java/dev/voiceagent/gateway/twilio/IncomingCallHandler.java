package dev.voiceagent.gateway.twilio;

import dev.voiceagent.contracts.CallEvents.CallUnroutable;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.gateway.calllog.CallLog;
import dev.voiceagent.gateway.calllog.CallLogRepository;
import dev.voiceagent.gateway.calllog.CallStatus;
import dev.voiceagent.gateway.calllog.MachineDetection;
import dev.voiceagent.gateway.limits.CallSlots;
import dev.voiceagent.gateway.limits.RateLimits;
import dev.voiceagent.gateway.logstream.CallLogLines;
import dev.voiceagent.gateway.outbox.CallEventOutbox;
import dev.voiceagent.gateway.prewarm.SessionPrewarmer;
import dev.voiceagent.gateway.media.MediaTokens;
import dev.voiceagent.gateway.support.Agents;
import dev.voiceagent.gateway.support.CallTraces;
import dev.voiceagent.support.tenant.RolloutSelector;
import dev.voiceagent.gateway.support.GatewayProperties;
import dev.voiceagent.support.PhoneNumbers;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.TenantDirectory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code POST /api/v1/incoming-call}: verified Twilio webhook → TwiML that connects the media stream with a
 * fresh media token. Outbound calls find their call log; inbound calls resolve the tenant by the called number
 * (unknown numbers get a short spoken fallback and a {@code voice.call.unroutable} event, never a 5xx; a tenant
 * at its concurrent-call limit gets a polite busy message). Admission, the call log and {@code voice.call.created}
 * (outbox) are one statement ({@link CallSlots#admit}): one database round trip per call, and the TwiML is
 * answered only once the log is durable. Once the TwiML is decided the media bridge is asked, in the background,
 * to pre-warm the model session. An outbound call that Twilio reports as answered by a machine gets its voicemail policy
 * and its {@code no_answer} outcome.
 */
public class IncomingCallHandler {

    private static final Logger log = LoggerFactory.getLogger(IncomingCallHandler.class);
    private static final MediaType TEXT_XML = MediaType.parseMediaType("text/xml;charset=UTF-8");
    /** Twilio may fetch TwiML before make-call has written the log of the call it just created. */
    private static final Duration LOOKUP_RETRY = Duration.ofMillis(150);

    /** {@code POST /api/v1/incoming-call} as the API documents describe it. */
    public static final RouteDescription ROUTE = RouteDescription.of("Twilio voice webhook (signed; CallSid, From, "
                    + "To, Direction, CallStatus, AnsweredBy): TwiML that connects the call's media stream, or a "
                    + "spoken fallback for an unknown number or a busy tenant")
            .accepts(Body.twilioForm())
            .answers(Body.twiml());

    private final TwilioWebhookReader webhooks;
    private final TenantDirectory directory;
    private final CallLogRepository calls;
    private final MediaTokens tokens;
    private final CallTraces traces;
    private final EventPublisher events;
    private final GatewayProperties properties;
    private final CallSlots slots;
    private final RateLimits limits;
    private final CallLogLines lines;
    private final SessionPrewarmer prewarmer;
    private final ConnectStreamTwiml connectTwiml;
    private final CallEventOutbox outbox;

    public IncomingCallHandler(TwilioWebhookReader webhooks, TenantDirectory directory, CallLogRepository calls,
                               MediaTokens tokens, EventPublisher events, GatewayProperties properties,
                               CallSlots slots, RateLimits limits, CallLogLines lines,
                               SessionPrewarmer prewarmer, CallTraces traces, CallEventOutbox outbox) {
        this.traces = traces;
        this.outbox = outbox;
        this.webhooks = webhooks;
        this.directory = directory;
        this.calls = calls;
        this.tokens = tokens;
        this.events = events;
        this.properties = properties;
        this.slots = slots;
        this.limits = limits;
        this.lines = lines;
        this.prewarmer = prewarmer;
        this.connectTwiml = new ConnectStreamTwiml(properties.mediaStreamUrl());
    }

    public Mono<ServerResponse> handle(ServerRequest request) {
        return webhooks.read(request).flatMap(this::answer);
    }

    private Mono<ServerResponse> answer(Map<String, String> params) {
        String callSid = TwilioWebhookReader.callSid(params);
        String direction = params.getOrDefault("Direction", CallLog.INBOUND);
        Mono<String> twiml = direction.startsWith("outbound") ? outbound(callSid, params) : inbound(callSid, params);
        return twiml.flatMap(xml -> ServerResponse.ok().contentType(TEXT_XML).bodyValue(xml));
    }

    private Mono<String> outbound(String callSid, Map<String, String> params) {
        String answeredBy = params.get("AnsweredBy");
        String received = received(CallLog.OUTBOUND_API, params);
        return calls.findByCallSid(callSid)
                .repeatWhenEmpty(attempts -> attempts.take(4).delayElements(LOOKUP_RETRY))
                .flatMap(call -> MachineDetection.answeredByMachine(answeredBy)
                        ? answeredByMachine(call, answeredBy, received)
                        : Mono.just(connect(call.callSid(), call.tenantId(), call.agentKey(), call.agentVersionId(),
                                call.to(), CallLog.OUTBOUND_API, call.greeting(), received)))
                .switchIfEmpty(Mono.defer(() -> outboundWithoutLog(callSid, params)));
    }

    /**
     * Twilio waited for detection (synchronous AMD) and found a machine: apply the call's voicemail policy. No media
     * stream starts, so no session will say how the call ended: its outcome, {@code no_answer} as on the call log, goes
     * to the outbox in the transaction that records the answer (once: a repeated TwiML request adds none).
     */
    private Mono<String> answeredByMachine(CallLog call, String answeredBy, String received) {
        MachineDetection amd = call.machineDetection();
        boolean leaveMessage = amd != null && amd.leavesMessage();
        String policy = leaveMessage ? "leaving the voicemail message, then hanging up" : "hanging up";
        lines.info(call.tenantId(), call.callSid(), received + "; answered by " + answeredBy + ": " + policy);
        Mono<CallLog> recorded = calls.recordAnsweredBy(call.callSid(), answeredBy, true);
        Mono<?> write = call.answeredBy() != null ? recorded : recorded.flatMap(updated -> outbox.add(
                outbox.envelope(call.tenantId(), call.callSid(), machineOutcome(call, answeredBy, policy))));
        return outbox.inTransaction(write)
                .thenReturn(leaveMessage ? TwimlResponses.sayAndHangUp(amd.voicemailMessage()) : TwimlResponses.hangUp());
    }

    /** The outcome of a call a machine answered before any session began. */
    private static SessionOutcome machineOutcome(CallLog call, String answeredBy, String policy) {
        Instant now = Instant.now();
        return new SessionOutcome(Outcome.NO_ANSWER, null, call.agentVersionId(), call.to(), now, now, 0, null, 0, 0,
                0, List.of(), null, "Answered by " + answeredBy + " (machine detection); the gateway is " + policy
                + ", no session was started.");
    }

    /** An outbound call we did not place through make-call: route it by its From number, like an inbound call. */
    private Mono<String> outboundWithoutLog(String callSid, Map<String, String> params) {
        String from = params.get("From");
        String to = params.get("To");
        return routable(directory.byPhoneNumber(from))
                .map(tenant -> open(callSid, tenant, CallLog.OUTBOUND_API, from, to, to, params))
                .orElseGet(() -> unroutable(callSid, to, from, "outbound call without a call log"));
    }

    private Mono<String> inbound(String callSid, Map<String, String> params) {
        String from = params.get("From");
        String to = params.get("To");
        Optional<TenantConfigPublished> tenant = directory.byPhoneNumber(to);
        if (tenant.isPresent() && !tenant.get().enabled()) {
            return unroutable(callSid, to, from, "tenant disabled");
        }
        return tenant.map(t -> open(callSid, t, CallLog.INBOUND, from, to, from, params))
                .orElseGet(() -> unroutable(callSid, to, from, "number not assigned"));
    }

    private Mono<String> open(String callSid, TenantConfigPublished tenant, String direction, String from, String to,
                              String caller, Map<String, String> params) {
        Optional<AgentView> agent = Agents.choose(tenant, null);
        String agentKey = agent.map(AgentView::agentKey).orElse(null);
        // the rollout picks the version once, here, and the call keeps it (sticky per caller where configured)
        String version = agent.map(a -> RolloutSelector.select(a, caller).agentVersionId()).orElse(null);
        CallStatus status = CallStatus.fromWire(params.get("CallStatus")).orElse(CallStatus.RINGING);
        CallLog call = CallLog.opened(callSid, tenant.tenantId(), direction, nonNull(from), nonNull(to), status,
                agentKey, version, null);
        String received = received(direction, params);
        Integer limit = limits.enabled() ? limits.concurrentCalls(tenant) : null;
        return slots.admit(call, limit, properties.limits().maxCallAge())
                .map(admission -> admission.admitted() ? opened(call, caller, admission.created(), received)
                        : busy(call, admission.live(), received));
    }

    private String opened(CallLog call, String caller, boolean created, String received) {
        if (created) {
            log.info("call {} opened for tenant {} from {}", call.callSid(), call.tenantId(),
                    PhoneNumbers.mask(call.from()));
        }
        return connect(call.callSid(), call.tenantId(), call.agentKey(), call.agentVersionId(), caller,
                call.direction(), null, received);
    }

    private String busy(CallLog call, long live, String received) {
        log.warn("call {} for tenant {} refused: {} live calls, concurrent-call limit reached", call.callSid(),
                call.tenantId(), live);
        lines.warn(call.tenantId(), call.callSid(), received + "; refused with a busy message: concurrent-call limit reached");
        return TwimlResponses.busy();
    }

    /**
     * What the webhook said, the start of the call's one log line about it (one line, not one for the webhook and
     * one for the answer: every line is a record on the logs topic, read by every gateway instance).
     */
    private static String received(String direction, Map<String, String> params) {
        String answeredBy = params.get("AnsweredBy");
        return "incoming-call webhook received: " + direction + ", status "
                + params.getOrDefault("CallStatus", "unknown") + ", from " + PhoneNumbers.mask(params.get("From"))
                + " to " + PhoneNumbers.mask(params.get("To")) + (answeredBy == null ? "" : ", answered by " + answeredBy);
    }

    /** TwiML that connects the media stream; the bridge is asked to pre-warm the model session meanwhile. */
    private String connect(String callSid, String tenantId, String agentKey, String version, String caller,
                           String direction, String greeting, String received) {
        String traceparent = traces.current();
        String token = tokens.mint(callSid, tenantId, agentKey, version, caller, direction, traceparent);
        String twiml = connectTwiml.render(token, greeting);
        prewarmer.prewarm(new SessionPrewarmer.Prewarm(callSid, tenantId, agentKey, version, caller, direction),
                traceparent);
        lines.info(tenantId, callSid, received + "; answered with a media stream for agent " + agentKey
                + " (version " + version + ")");
        return twiml;
    }

    private Mono<String> unroutable(String callSid, String to, String from, String reason) {
        log.warn("call {} to {} is unroutable: {}", callSid, PhoneNumbers.mask(to), reason);
        return events.publish(null, callSid, new CallUnroutable(to, PhoneNumbers.mask(from), reason))
                .then()
                .onErrorResume(e -> logPublishFailure("voice.call.unroutable", callSid, e))
                .thenReturn(TwimlResponses.unroutable());
    }

    private static Optional<TenantConfigPublished> routable(Optional<TenantConfigPublished> tenant) {
        return tenant.filter(TenantConfigPublished::enabled);
    }

    private static String nonNull(String value) {
        return value == null ? "" : value;
    }

    /** The caller still gets TwiML when Kafka is unavailable; the event loss is logged. */
    private static Mono<Void> logPublishFailure(String type, String callSid, Throwable e) {
        log.error("could not publish {} for call {}: {}", type, callSid, e.toString());
        return Mono.empty();
    }
}
