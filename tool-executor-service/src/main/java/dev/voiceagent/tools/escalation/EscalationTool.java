package dev.voiceagent.tools.escalation;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
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
import java.nio.charset.StandardCharsets;
import java.time.Clock;
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

/**
 * {@code escalation}: {@code {reason?, summary?, intent?}} transfers the live call to the contract's human target
 * (the agent view's {@code fallback_destination}, else the tenant's configured target) with a Twilio call update
 * ({@code <Dial>}, context handed over by {@link TransferTwiml}). Out of business hours, without a target, or when
 * the update fails, it creates a callback instead. Output {@code outcome} is {@code transferred} or
 * {@code callback_created}, never pending. The escalation is claimed before the call is touched, so it transfers at
 * most once.
 */
@Component
public class EscalationTool implements Tool {

    private static final Logger log = LoggerFactory.getLogger(EscalationTool.class);
    public static final String TRANSFERRED = "transferred";
    public static final String CALLBACK_CREATED = "callback_created";

    private final TwilioClient twilio;
    private final EscalationRepository escalations;
    private final CallbackTool callbacks;
    private final TenantDirectory tenants;
    private final EscalationProperties properties;
    private final String publicBaseUrl;
    private final Clock clock;
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
    public Mono<ToolResult> execute(ToolCall call) {
        Optional<TenantConfigPublished> tenant = tenants.byId(call.tenantId());
        String target = target(call, tenant);
        Escalation escalation = new Escalation(call.tenantId(), call.request().toolCallId(),
                escalationId(call.tenantId(), call.request().toolCallId()), call.callSid(),
                call.request().callerNumber(), target,
                Optional.ofNullable(call.argument("intent")).orElse(call.request().intent()),
                Optional.ofNullable(call.argument("summary")).orElse(call.argument("reason")), EscalationRepository.PENDING,
                null);
        return escalations.claim(escalation)
                .flatMap(claimed -> claimed ? escalate(escalation, tenant)
                        : escalations.find(call.tenantId(), call.request().toolCallId()).flatMap(this::claimedBefore));
    }

    /**
     * An escalation an earlier execution of this tool call claimed: what became of it; or, when that execution
     * stopped before it recorded an outcome (the executor runs a tool call once at a time, so nothing is still working
     * on it), a callback: whether the call was transferred is unknown, and a second transfer could cut off a caller
     * already talking to a person, so the caller is at least called back.
     */
    private Mono<ToolResult> claimedBefore(Escalation escalation) {
        if (EscalationRepository.PENDING.equals(escalation.outcome())) {
            log.warn("call {}: escalation {} was left pending by an earlier run; creating a callback",
                    escalation.callSid(), escalation.escalationId());
            return callback(escalation, "unconfirmed");
        }
        return Mono.just(stored(escalation));
    }

    private Mono<ToolResult> escalate(Escalation escalation, Optional<TenantConfigPublished> tenant) {
        if (!TransferTwiml.dialable(escalation.target()) || escalation.callSid() == null) {
            return callback(escalation, "no_target");
        }
        BusinessHours open = hours.getOrDefault(escalation.tenantId(), BusinessHours.alwaysOpen());
        if (!open.isOpen(clock.instant(), SlotTimes.zone(tenant))) {
            return callback(escalation, "out_of_hours");
        }
        return twilio.updateCall(escalation.callSid(), twiml(escalation))
                .then(escalations.outcome(escalation.escalationId(), TRANSFERRED, null))
                .doOnSuccess(v -> log.info("call {} transferred (escalation {})", escalation.callSid(),
                        escalation.escalationId()))
                .thenReturn(transferred(escalation.escalationId()))
                .onErrorResume(e -> {
                    log.warn("call {}: transfer failed ({}); creating a callback instead", escalation.callSid(),
                            e.getClass().getSimpleName());
                    return callback(escalation, "transfer_failed");
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

    private String target(ToolCall call, Optional<TenantConfigPublished> tenant) {
        String fromContract = tenant.flatMap(t -> ToolScope.agentFor(t, call.request().agentVersionId()))
                .map(AgentView::fallbackDestination).filter(d -> !d.isBlank()).orElse(null);
        return fromContract != null ? fromContract.trim() : properties.targets().get(call.tenantId());
    }

    private String twiml(Escalation escalation) {
        String base = publicBaseUrl + EscalationWebHandlers.PATH + "/" + escalation.escalationId();
        return TransferTwiml.build(escalation.target(), new TransferTwiml.Context(escalation.escalationId(),
                escalation.intent(), escalation.summary(), base + "/whisper", base + "/dial-result"),
                properties.ringTimeout());
    }

    private static ToolResult stored(Escalation escalation) {
        return CALLBACK_CREATED.equals(escalation.outcome())
                ? callbackCreated(escalation.escalationId(), escalation.callbackId(), null)
                : transferred(escalation.escalationId());
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
