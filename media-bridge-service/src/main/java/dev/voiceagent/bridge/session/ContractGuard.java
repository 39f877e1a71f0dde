package dev.voiceagent.bridge.session;

import dev.voiceagent.bridge.tools.ToolCatalog;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.TenantConfigPublished.HandoffLimits;
import dev.voiceagent.contracts.TenantConfigPublished.HandoffTarget;
import dev.voiceagent.contracts.TenantConfigPublished.IntentView;
import dev.voiceagent.contracts.TenantConfigPublished.VersionView;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The hand-over limits of the call's agent version (its contract's {@code limits} and {@code intents}), applied to what
 * the agent reports through {@code update_session}: an intent the contract must transfer, an agent-declared
 * escalation, a safety concern, failed authentications, policy violations, a payment request and its own confidence.
 * One guard per call: it counts authentication failures and policy violations over the whole call. Where the contract
 * leaves a limit unset: authentication failures fall back to the bridge's setting, policy violations and confidence
 * are not limited, a payment request goes on and a safety concern is handed over.
 */
final class ContractGuard {

    /** What the session does after a report. */
    sealed interface Verdict {
    }

    /** The agent goes on; {@code instruction}, when set, is what it must do about the report. */
    record Proceed(String instruction) implements Verdict {
    }

    /**
     * The agent is stopped and the call handed to a person, by callback when {@code byCallback}; {@code target}, when
     * set, is the contract's handoff target for it (its number null when the version does not list the target).
     */
    record HandOver(String reason, String detail, boolean byCallback, HandoffTarget target) implements Verdict {

        HandOver(String reason, String detail, boolean byCallback) {
            this(reason, detail, byCallback, null);
        }
    }

    /** The agent says a short goodbye and the bridge ends the call. */
    record EndCall(String reason, String detail) implements Verdict {
    }

    static final String PAYMENT = "payment";
    static final String SAFETY = "safety";
    static final String MUST_TRANSFER = "must_transfer";
    static final String PAYMENT_REFUSED = "Payments cannot be taken on this call. Tell the caller so politely and "
            + "offer to help with something else.";
    static final String POLICY_REMINDER = "Politely tell the caller that this is not something you can help with, "
            + "and offer to help with something else.";

    private final int maxAuthenticationFailures;
    private final Integer maxPolicyViolations;
    private final String payment;
    private final String safety;
    private final Double confidenceThreshold;
    private final String fallbackDestination;
    /** The version's intents by name, in contract order. */
    private final Map<String, IntentView> intents;
    private final List<HandoffTarget> handoffTargets;
    private int authenticationFailures;
    /** Whether the agent's last report of {@code caller_identity} said {@code failed}. */
    private boolean identityFailed;
    /** Whether a wrong PIN was counted that the agent has not reported as {@code failed} yet (the same failure). */
    private boolean pinFailureUnreported;
    private int policyViolations;

    ContractGuard(HandoffLimits limits, int defaultMaxAuthenticationFailures, String fallbackDestination) {
        this(limits, defaultMaxAuthenticationFailures, fallbackDestination, List.of(), List.of());
    }

    ContractGuard(HandoffLimits limits, int defaultMaxAuthenticationFailures, String fallbackDestination,
                  List<IntentView> intents, List<HandoffTarget> handoffTargets) {
        HandoffLimits given = limits == null ? new HandoffLimits(null, null, null, null, null) : limits;
        this.maxAuthenticationFailures = given.maxAuthenticationFailures() != null
                ? given.maxAuthenticationFailures() : defaultMaxAuthenticationFailures;
        this.maxPolicyViolations = given.maxPolicyViolations();
        this.payment = lower(given.payment());
        this.safety = lower(given.safety());
        this.confidenceThreshold = given.confidenceThreshold();
        this.fallbackDestination = fallbackDestination == null || fallbackDestination.isBlank() ? null
                : fallbackDestination.trim();
        Map<String, IntentView> byName = new LinkedHashMap<>();
        for (IntentView intent : intents) {
            if (intent.name() != null) {
                byName.putIfAbsent(intent.name(), intent);
            }
        }
        this.intents = byName;
        this.handoffTargets = List.copyOf(handoffTargets);
    }

    /** The guard for a call on {@code versionId}: that version's limits and fallback, else the agent's fallback. */
    static ContractGuard of(AgentView agent, String versionId, int defaultMaxAuthenticationFailures) {
        Optional<VersionView> version = agent == null || versionId == null ? Optional.empty() : agent.version(versionId);
        String fallback = version.map(VersionView::fallbackDestination).filter(d -> !d.isBlank())
                .orElse(agent == null ? null : agent.fallbackDestination());
        return new ContractGuard(version.map(VersionView::limits).orElse(null), defaultMaxAuthenticationFailures,
                fallback, version.map(VersionView::intents).orElse(List.of()),
                version.map(VersionView::handoffTargets).orElse(List.of()));
    }

    /** The names of the version's intents, in contract order; empty when the view does not describe the version. */
    static List<String> intentNames(AgentView agent, String versionId) {
        return agent == null || versionId == null ? List.of() : agent.version(versionId)
                .map(version -> version.intents().stream().map(IntentView::name).filter(n -> n != null).toList())
                .orElse(List.of());
    }

    /**
     * The tools the contract gives {@code intent}, or null when the version does not name that intent (the tool
     * executor narrows a call's tools to its intent's the same way).
     */
    List<String> toolsOf(String intent) {
        IntentView known = intent == null ? null : intents.get(intent);
        return known == null ? null : known.tools();
    }

    /** Where the contract sends a call it cannot finish (a tool that did not answer), or null when it names none. */
    String fallbackDestination() {
        return fallbackDestination;
    }

    /**
     * Applies one {@code update_session} report. The most serious finding decides: an intent the contract must
     * transfer (the contract's own hand-over, with its target, goes ahead of the agent's), an escalation the agent
     * declared, then safety, authentication, policy, payment, confidence.
     */
    Verdict onReport(Map<String, Object> report) {
        boolean authenticationFailed = newAuthenticationFailure(report.get("caller_identity"));
        IntentView intent = intents.get(text(report.get("intent")));
        if (intent != null && MUST_TRANSFER.equals(lower(intent.intentClass()))) {
            return new HandOver(MUST_TRANSFER + ": " + intent.name(), "the contract hands intent " + intent.name()
                    + " to a person", false, targetOf(intent));
        }
        String declared = text(report.get(ToolCatalog.ESCALATE_REASON));
        if (declared != null) {
            return new HandOver("contract_limit: " + declared, null, false);
        }
        String topic = lower(text(report.get(ToolCatalog.SENSITIVE_TOPIC)));
        if (SAFETY.equals(topic)) {
            return "end_call".equals(safety) ? new EndCall(SAFETY, "a safety concern; the contract ends the call")
                    : new HandOver(SAFETY, "a safety concern", false);
        }
        if (authenticationFailed && !pinFailureUnreported) {
            authenticationFailures++;
        }
        if (authenticationFailed) {
            pinFailureUnreported = false;
        }
        if (authenticationFailed && authenticationFailures >= maxAuthenticationFailures) {
            return tooManyAuthenticationFailures();
        }
        String violation = text(report.get(ToolCatalog.POLICY_VIOLATION));
        if (violation != null) {
            policyViolations++;
            if (maxPolicyViolations != null && policyViolations >= maxPolicyViolations) {
                return new HandOver("policy_violations", policyViolations + " policy violations, the last: "
                        + violation, false);
            }
        }
        if (PAYMENT.equals(topic)) {
            switch (payment == null ? "" : payment) {
                case "transfer":
                    return new HandOver(PAYMENT, "the caller wants to make a payment", false);
                case "callback":
                    return new HandOver(PAYMENT, "the caller wants to make a payment", true);
                case "refuse":
                    return new Proceed(PAYMENT_REFUSED);
                default:
                    break;
            }
        }
        Double confidence = number(report.get(ToolCatalog.CONFIDENCE));
        if (confidence != null && confidenceThreshold != null && confidence < confidenceThreshold) {
            return new HandOver("low_confidence", String.format(Locale.ROOT, "the agent's confidence %.2f is under "
                    + "the contract's %.2f", confidence, confidenceThreshold), false);
        }
        return new Proceed(violation != null ? POLICY_REMINDER : null);
    }

    /**
     * A {@code lookup} the tool executor answered {@code verified: false} (a wrong PIN, or one it would not check): a
     * failed authentication attempt, counted by the platform rather than on the agent's word. The agent's next report
     * of {@code failed} is this same attempt and is not counted again.
     */
    Verdict onFailedVerification() {
        authenticationFailures++;
        pinFailureUnreported = true;
        return authenticationFailures >= maxAuthenticationFailures ? tooManyAuthenticationFailures() : new Proceed(null);
    }

    private HandOver tooManyAuthenticationFailures() {
        return new HandOver("authentication_failed", authenticationFailures + " failed authentication attempts", false);
    }

    /** The handoff target the intent names, with its number from the version's targets; null when it names none. */
    private HandoffTarget targetOf(IntentView intent) {
        String name = text(intent.handoffTarget());
        if (name == null) {
            return null;
        }
        return handoffTargets.stream().filter(t -> name.equals(t.name())).findFirst()
                .orElse(new HandoffTarget(name, null));
    }

    /**
     * Whether a report's {@code caller_identity} is a new failed attempt: a change into {@code failed}. Models resend
     * the fields they know with every report, so {@code failed} again is the attempt already counted; another attempt
     * shows as another state first (the caller claims an identity again), then {@code failed}. A report without the
     * field leaves the last one standing.
     */
    private boolean newAuthenticationFailure(Object identity) {
        if (identity == null) {
            return false;
        }
        boolean failed = ToolCatalog.IDENTITY_FAILED.equals(AgentState.normalized(identity));
        boolean changed = failed && !identityFailed;
        identityFailed = failed;
        return changed;
    }

    private static String text(Object value) {
        return value == null || String.valueOf(value).isBlank() ? null : String.valueOf(value).trim();
    }

    private static String lower(String value) {
        return value == null ? null : value.toLowerCase(Locale.ROOT);
    }

    /** A number, or a string holding one; anything else is no report. */
    private static Double number(Object value) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        if (value instanceof String s) {
            try {
                return Double.valueOf(s.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
