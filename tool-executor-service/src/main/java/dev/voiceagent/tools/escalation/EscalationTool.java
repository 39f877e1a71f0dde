package dev.voiceagent.tools.escalation;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.TenantConfigPublished.HandoffTarget;
import dev.voiceagent.contracts.TenantConfigPublished.IntentView;
import dev.voiceagent.contracts.TenantConfigPublished.VersionView;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.tools.callback.CallbackTool;
import dev.voiceagent.tools.escalation.EscalationRepository.Escalation;
import dev.voiceagent.tools.execution.Tool;
import dev.voiceagent.tools.execution.ToolCall;
import dev.voiceagent.tools.execution.ToolExecutorProperties;
import dev.voiceagent.tools.execution.ToolResult;
import dev.voiceagent.tools.scheduling.SlotTimes;
import dev.voiceagent.tools.scope.ToolScope;
import dev.voiceagent.tools.twilio.TwilioClient;
import dev.voiceagent.tools.twilio.TwilioFailures;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * {@code escalation}: {@code {reason?, summary?, intent?, handoff_target?}} transfers the live call to the contract's
 * human target (the version's hand-over target for the request or its intent, else its fallback destination, else the
 * tenant's configured target) with a Twilio call update ({@code <Dial>}, context handed over by
 * {@link TransferTwiml}). Out of the version's business hours (unless its {@code out_of_hours} is {@code transfer}),
 * without a target, or when Twilio certainly did not make the update, it creates a callback instead. Output {@code outcome} is
 * {@code transferred} or {@code callback_created} (status ok), or {@code unconfirmed} (status failed) when the update
 * was sent but not confirmed; never pending. The escalation is claimed before the call is touched, and marked pending
 * before the update is sent, so it transfers at most once, and a later copy knows whether it may have.
 */
@Component
public class EscalationTool implements Tool {

    private static final Logger log = LoggerFactory.getLogger(EscalationTool.class);
    public static final String TRANSFERRED = "transferred";
    public static final String CALLBACK_CREATED = "callback_created";
    /** The call update was sent but not confirmed (timeout, 5xx): the caller may or may not have been transferred. */
    public static final String UNCONFIRMED = "unconfirmed";
    private static final int OUTCOME_WRITE_RETRIES = 3;
    private static final Duration OUTCOME_WRITE_BACKOFF = Duration.ofMillis(50);

    private final TwilioClient twilio;
    private final EscalationRepository escalations;
    private final CallbackTool callbacks;
    private final TenantDirectory tenants;
    private final EscalationProperties properties;
    private final String publicBaseUrl;
    private final Clock clock;
    /** The contract's {@code out_of_hours} that transfers anyway (to a line that answers out of hours). */
    static final String OUT_OF_HOURS_TRANSFER = "transfer";

    private final Map<String, BusinessHours> hours = new ConcurrentHashMap<>();

    @Autowired
    public EscalationTool(TwilioClient twilio, EscalationRepository escalations, CallbackTool callbacks,
                          TenantDirectory tenants, EscalationProperties properties, ToolExecutorProperties tools) {
        this(twilio, escalations, callbacks, tenants, properties, tools, Clock.systemUTC());
    }

    EscalationTool(TwilioClient twilio, EscalationRepository escalations, CallbackTool callbacks,
                   TenantDirectory tenants, EscalationProperties properties, ToolExecutorProperties tools,
                   Clock clock) {
        this.twilio = twilio;
        this.escalations = escalations;
        this.callbacks = callbacks;
        this.tenants = tenants;
        this.properties = properties;
        this.publicBaseUrl = tools.publicBaseUrl();
        this.clock = clock;
        // a wrong business-hours setting fails at startup, not on a caller's escalation
        properties.businessHours().forEach((tenant, spec) -> hours.put(tenant, BusinessHours.parse(spec)));
    }

    @Override
    public ToolName name() {
        return ToolName.ESCALATION;
    }

    @Override
    public boolean callsTwilio() {
        return true;
    }

    @Override
    public Mono<ToolResult> execute(ToolCall call) {
        Optional<TenantConfigPublished> tenant = tenants.byId(call.tenantId());
        String versionId = call.request().agentVersionId();
        Optional<AgentView> agent = tenant.flatMap(t -> ToolScope.agentFor(t, versionId));
        Optional<VersionView> version = agent.flatMap(a -> a.version(versionId));
        String intent = Optional.ofNullable(call.argument("intent")).orElse(call.request().intent());
        String target = target(call, intent, agent, version);
        Escalation escalation = new Escalation(call.tenantId(), call.request().toolCallId(),
                escalationId(call.tenantId(), call.request().toolCallId()), call.callSid(),
                call.request().callerNumber(), target, intent,
                Optional.ofNullable(call.argument("summary")).orElse(call.argument("reason")),
                EscalationRepository.CLAIMED, null);
        return escalations.claim(escalation)
                .flatMap(claimed -> claimed ? escalate(escalation, tenant, version)
                        : escalations.find(call.tenantId(), call.request().toolCallId())
                                .flatMap(earlier -> claimedBefore(earlier, tenant, version)));
    }

    /**
     * An escalation an earlier execution of this tool call claimed: what became of it. When that execution stopped
     * before it recorded an outcome (the executor runs a tool call once at a time, so nothing is still working on it),
     * the row says how far it got. {@code claimed}: it never sent the call update, so the call is untouched and this
     * execution escalates in its place. {@code pending}: the update may have been made, so the answer is
     * {@code unconfirmed}, as for an update that timed out: no second update (it could cut off a caller already
     * talking to a person) and no callback (a second hand-over for a caller who may have been transferred; a transfer
     * nobody answers creates its own through the dial result).
     */
    private Mono<ToolResult> claimedBefore(Escalation escalation, Optional<TenantConfigPublished> tenant,
                                           Optional<VersionView> version) {
        if (EscalationRepository.CLAIMED.equals(escalation.outcome())) {
            log.warn("call {}: escalation {} was claimed by an earlier run that stopped before it touched the call; "
                    + "escalating now", escalation.callSid(), escalation.escalationId());
            return escalate(escalation, tenant, version);
        }
        if (EscalationRepository.PENDING.equals(escalation.outcome())) {
            log.warn("call {}: escalation {} was left pending by an earlier run that may have transferred the call; "
                    + "answering unconfirmed, with neither a callback nor another transfer", escalation.callSid(),
                    escalation.escalationId());
            return record(escalation, UNCONFIRMED).thenReturn(unconfirmedResult(escalation.escalationId()));
        }
        return Mono.just(stored(escalation));
    }

    private Mono<ToolResult> escalate(Escalation escalation, Optional<TenantConfigPublished> tenant,
                                      Optional<VersionView> version) {
        if (!TransferTwiml.dialable(escalation.target()) || escalation.callSid() == null) {
            return callback(escalation, "no_target");
        }
        if (!open(escalation.tenantId(), tenant, version) && !version.map(VersionView::outOfHours)
                .filter(OUT_OF_HOURS_TRANSFER::equals).isPresent()) {
            return callback(escalation, "out_of_hours");
        }
        return escalations.sending(escalation.escalationId())
                .then(update(escalation))
                .flatMap(failure -> failure.isEmpty() ? confirmed(escalation)
                        : TwilioFailures.notSent(failure.get()) ? refused(escalation, failure.get())
                        : unconfirmed(escalation, failure.get()));
    }

    /**
     * The call update's result as a value: empty when Twilio confirmed it, else how it failed. Only the update's own
     * failure may decide between transfer and callback; a failure after Twilio confirmed (the outcome write) must not
     * turn a transferred caller into a callback task as well.
     */
    private Mono<Optional<Throwable>> update(Escalation escalation) {
        return twilio.updateCall(escalation.callSid(), twiml(escalation))
                .thenReturn(Optional.<Throwable>empty())
                .onErrorResume(e -> Mono.just(Optional.of(e)));
    }

    /** Twilio confirmed the transfer: that is the answer, whether or not the outcome can be recorded. */
    private Mono<ToolResult> confirmed(Escalation escalation) {
        log.info("call {} transferred (escalation {})", escalation.callSid(), escalation.escalationId());
        return record(escalation, TRANSFERRED).thenReturn(transferred(escalation.escalationId()));
    }

    /** Twilio certainly did not act (no connection, 429, a 4xx such as a call that has ended, an open breaker). */
    private Mono<ToolResult> refused(Escalation escalation, Throwable failure) {
        log.warn("call {}: transfer not made ({}, code {}); creating a callback instead", escalation.callSid(),
                failure.getClass().getSimpleName(), TwilioFailures.code(failure));
        return callback(escalation, "transfer_failed");
    }

    /**
     * The update was sent and then timed out, or Twilio answered 5xx, which it may give after acting: the caller may
     * already be ringing through to a person. A callback now would be a second hand-over for a caller who may have
     * been transferred (and a transfer that nobody answers creates its own callback through the dial result), and a
     * second update could cut off a call a person has taken. So nothing more is done: the escalation is recorded
     * {@code unconfirmed} and the model hears so, as the SMS tool answers a text it cannot confirm.
     */
    private Mono<ToolResult> unconfirmed(Escalation escalation, Throwable failure) {
        log.warn("call {}: transfer not confirmed ({}, code {}); it may have happened, so neither a callback nor "
                        + "another transfer is made (escalation {})", escalation.callSid(),
                failure.getClass().getSimpleName(), TwilioFailures.code(failure), escalation.escalationId());
        return record(escalation, UNCONFIRMED).thenReturn(unconfirmedResult(escalation.escalationId()));
    }

    /**
     * Records an outcome that is already decided, retrying a failed write; a write that still fails is logged and the
     * row stays {@code pending} (met only by a copy that takes over an expired tool call claim, which answers
     * {@code unconfirmed}, see {@link #claimedBefore}), because the answer must say what happened to the call, not
     * what the database did.
     */
    private Mono<Void> record(Escalation escalation, String outcome) {
        return escalations.outcome(escalation.escalationId(), outcome, null)
                .retryWhen(Retry.backoff(OUTCOME_WRITE_RETRIES, OUTCOME_WRITE_BACKOFF))
                .onErrorResume(e -> {
                    log.error("call {}: escalation {} is {} but could not be recorded ({})", escalation.callSid(),
                            escalation.escalationId(), outcome, e.toString());
                    return Mono.empty();
                });
    }

    /** The callback that replaces a transfer. */
    private Mono<ToolResult> callback(Escalation escalation, String why) {
        return callbackFor(escalation, why)
                .map(callbackId -> callbackCreated(escalation.escalationId(), callbackId, why));
    }

    /** Publishes the callback for an escalation (ids from its tool call, so repeats name one task); answers its id. */
    Mono<String> callbackFor(Escalation escalation, String why) {
        String reason = "Escalation (" + why.replace('_', ' ') + ")"
                + Optional.ofNullable(escalation.intent()).map(i -> "; intent: " + i).orElse("")
                + Optional.ofNullable(escalation.summary()).map(s -> "; " + s).orElse("");
        return callbacks.request(escalation.tenantId(), escalation.callSid(), escalation.callerNumber(),
                        escalation.toolCallId(), reason, "high", null)
                .flatMap(callbackId -> escalations.outcome(escalation.escalationId(), CALLBACK_CREATED, callbackId)
                        .thenReturn(callbackId));
    }

    /**
     * Whether people can take a transfer now: the call's agent version's {@code business_hours} (in their own time
     * zone, else the tenant's), else {@code voice.tools.escalation.business-hours.<tenant>}, else always.
     */
    private boolean open(String tenantId, Optional<TenantConfigPublished> tenant, Optional<VersionView> version) {
        Optional<TenantConfigPublished.BusinessHours> contract = version.map(VersionView::businessHours)
                .filter(h -> !h.windows().isEmpty());
        if (contract.isPresent()) {
            ZoneId zone = zone(contract.get().timeZone()).orElse(SlotTimes.zone(tenant));
            return BusinessHours.of(contract.get().windows()).isOpen(clock.instant(), zone);
        }
        return hours.getOrDefault(tenantId, BusinessHours.alwaysOpen()).isOpen(clock.instant(), SlotTimes.zone(tenant));
    }

    private static Optional<ZoneId> zone(String id) {
        try {
            return id == null || id.isBlank() ? Optional.empty() : Optional.of(ZoneId.of(id));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Where the call goes, from the contract only (a number in the request's arguments is never dialled: the model
     * writes those): the version's hand-over target named by the request ({@code handoff_target}, which the bridge
     * sets from the intent), else the one the call's intent names, else the version's fallback destination, else
     * the agent's, else {@code voice.tools.escalation.targets.<tenant>}.
     */
    private String target(ToolCall call, String intent, Optional<AgentView> agent, Optional<VersionView> version) {
        Optional<String> named = Optional.ofNullable(call.argument("handoff_target"))
                .or(() -> version.flatMap(v -> v.intents().stream()
                        .filter(i -> i.name().equals(intent) && i.handoffTarget() != null)
                        .map(IntentView::handoffTarget).findFirst()));
        Optional<String> number = named.flatMap(name -> version.flatMap(v -> v.handoffTargets().stream()
                .filter(t -> name.equals(t.name())).map(HandoffTarget::phoneNumber).findFirst()));
        return number.or(() -> version.map(VersionView::fallbackDestination))
                .or(() -> agent.map(AgentView::fallbackDestination))
                .map(String::trim).filter(d -> !d.isBlank())
                .orElseGet(() -> properties.targets().get(call.tenantId()));
    }

    private String twiml(Escalation escalation) {
        String base = publicBaseUrl + EscalationWebHandlers.PATH + "/" + escalation.escalationId();
        return TransferTwiml.build(escalation.target(), new TransferTwiml.Context(escalation.escalationId(),
                escalation.intent(), escalation.summary(), base + "/whisper", base + "/dial-result"),
                properties.ringTimeout());
    }

    /** A recorded outcome; one this version does not know is read as unconfirmed, never as a transfer. */
    private static ToolResult stored(Escalation escalation) {
        if (CALLBACK_CREATED.equals(escalation.outcome())) {
            return callbackCreated(escalation.escalationId(), escalation.callbackId(), null);
        }
        return TRANSFERRED.equals(escalation.outcome()) ? transferred(escalation.escalationId())
                : unconfirmedResult(escalation.escalationId());
    }

    /** Status {@code failed} (the bridge must not take it for a transfer), with the outcome for whoever reads it. */
    private static ToolResult unconfirmedResult(String escalationId) {
        String reason = "I couldn't confirm that the transfer went through, and I won't try it twice in case it did. "
                + "If you're still with me, I can arrange a callback instead.";
        Map<String, Object> output = new LinkedHashMap<>(ToolResult.failed(reason).output());
        output.put("outcome", UNCONFIRMED);
        output.put("escalation_id", escalationId);
        return new ToolResult(ToolCompleted.FAILED, output, reason);
    }

    private static ToolResult transferred(String escalationId) {
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("outcome", TRANSFERRED);
        output.put("escalation_id", escalationId);
        return ToolResult.ok(output);
    }

    private static ToolResult callbackCreated(String escalationId, String callbackId, String why) {
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("outcome", CALLBACK_CREATED);
        output.put("escalation_id", escalationId);
        output.put("callback_id", callbackId);
        if (why != null) {
            output.put("why", why);
        }
        output.put("say", "No one can take the call right now, so a colleague will call you back.");
        return ToolResult.ok(output);
    }

    /** Deterministic per (tenant, tool call). */
    static String escalationId(String tenantId, String toolCallId) {
        return "esc_" + UUID.nameUUIDFromBytes((tenantId + ":" + toolCallId).getBytes(StandardCharsets.UTF_8))
                .toString().replace("-", "");
    }
}
