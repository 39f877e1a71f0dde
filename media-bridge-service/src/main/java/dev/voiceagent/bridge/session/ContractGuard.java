package dev.voiceagent.bridge.session;

import dev.voiceagent.bridge.tools.ToolCatalog;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.TenantConfigPublished.HandoffLimits;
import dev.voiceagent.contracts.TenantConfigPublished.VersionView;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The hand-over limits of the call's agent version (its contract's {@code limits}), applied to what the agent reports
 * through {@code update_session}: an agent-declared escalation, a safety concern, failed authentications, policy
 * violations, a payment request and its own confidence. One guard per call: it counts authentication failures and
 * policy violations over the whole call. Where the contract leaves a limit unset: authentication failures fall back to
 * the bridge's setting, policy violations and confidence are not limited, a payment request goes on and a safety
 * concern is handed over.
 */
final class ContractGuard {

    /** What the session does after a report. */
    sealed interface Verdict {
    }

    /** The agent goes on; {@code instruction}, when set, is what it must do about the report. */
    record Proceed(String instruction) implements Verdict {
    }

    /** The agent is stopped and the call handed to a person, by callback when {@code byCallback}. */
    record HandOver(String reason, String detail, boolean byCallback) implements Verdict {
    }

    /** The agent says a short goodbye and the bridge ends the call. */
    record EndCall(String reason, String detail) implements Verdict {
    }

    static final String PAYMENT = "payment";
    static final String SAFETY = "safety";
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
    private int authenticationFailures;
    /** Whether the agent's last report of {@code caller_identity} said {@code failed}. */
    private boolean identityFailed;
    private int policyViolations;

    ContractGuard(HandoffLimits limits, int defaultMaxAuthenticationFailures, String fallbackDestination) {
        HandoffLimits given = limits == null ? new HandoffLimits(null, null, null, null, null) : limits;
        this.maxAuthenticationFailures = given.maxAuthenticationFailures() != null
                ? given.maxAuthenticationFailures() : defaultMaxAuthenticationFailures;
        this.maxPolicyViolations = given.maxPolicyViolations();
        this.payment = lower(given.payment());
        this.safety = lower(given.safety());
        this.confidenceThreshold = given.confidenceThreshold();
        this.fallbackDestination = fallbackDestination == null || fallbackDestination.isBlank() ? null
                : fallbackDestination.trim();
    }

    /** The guard for a call on {@code versionId}: that version's limits and fallback, else the agent's fallback. */
    static ContractGuard of(AgentView agent, String versionId, int defaultMaxAuthenticationFailures) {
        Optional<VersionView> version = agent == null || versionId == null ? Optional.empty() : agent.version(versionId);
        String fallback = version.map(VersionView::fallbackDestination).filter(d -> !d.isBlank())
                .orElse(agent == null ? null : agent.fallbackDestination());
        return new ContractGuard(version.map(VersionView::limits).orElse(null), defaultMaxAuthenticationFailures,
                fallback);
    }

    /** Where the contract sends a call it cannot finish (a tool that did not answer), or null when it names none. */
    String fallbackDestination() {
        return fallbackDestination;
    }

    /**
     * Applies one {@code update_session} report. The most serious finding decides: an escalation the agent declared,
     * then safety, authentication, policy, payment, confidence.
     */
    Verdict onReport(Map<String, Object> report) {
        boolean authenticationFailed = newAuthenticationFailure(report.get("caller_identity"));
        String declared = text(report.get(ToolCatalog.ESCALATE_REASON));
        if (declared != null) {
            return new HandOver("contract_limit: " + declared, null, false);
        }
        String topic = lower(text(report.get(ToolCatalog.SENSITIVE_TOPIC)));
        if (SAFETY.equals(topic)) {
            return "end_call".equals(safety) ? new EndCall(SAFETY, "a safety concern; the contract ends the call")
                    : new HandOver(SAFETY, "a safety concern", false);
        }
        if (authenticationFailed && ++authenticationFailures >= maxAuthenticationFailures) {
            return new HandOver("authentication_failed", authenticationFailures + " failed authentication attempts",
                    false);
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
     * Whether a report's {@code caller_identity} is a new failed attempt: a change into {@code failed}. Models resend
     * the fields they know with every report, so {@code failed} again is the attempt already counted; another attempt
     * shows as another state first (the caller claims an identity again), then {@code failed}. A report without the
     * field leaves the last one standing.
     */
    private boolean newAuthenticationFailure(Object identity) {
        if (identity == null) {
            return false;
        }
        boolean failed = ToolCatalog.IDENTITY_FAILED.equals(identity);
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
