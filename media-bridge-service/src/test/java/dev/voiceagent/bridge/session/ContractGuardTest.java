package dev.voiceagent.bridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.bridge.session.ContractGuard.EndCall;
import dev.voiceagent.bridge.session.ContractGuard.HandOver;
import dev.voiceagent.bridge.session.ContractGuard.Proceed;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.TenantConfigPublished.HandoffLimits;
import dev.voiceagent.contracts.TenantConfigPublished.HandoffTarget;
import dev.voiceagent.contracts.TenantConfigPublished.IntentView;
import dev.voiceagent.contracts.TenantConfigPublished.Rollout;
import dev.voiceagent.contracts.TenantConfigPublished.VersionView;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContractGuardTest {

    private static ContractGuard guard(HandoffLimits limits) {
        return new ContractGuard(limits, 3, null);
    }

    @Test
    void authenticationFailuresCountToTheContractsLimitElseTheBridgesDefault() {
        ContractGuard strict = guard(new HandoffLimits(null, 1, null, null, null));
        assertThat(strict.onReport(Map.of("caller_identity", "failed")))
                .isEqualTo(new HandOver("authentication_failed", "1 failed authentication attempts", false));

        // each attempt: the caller claims an identity again, and the check fails again
        ContractGuard unset = guard(null);
        assertThat(unset.onReport(Map.of("caller_identity", "failed"))).isEqualTo(new Proceed(null));
        assertThat(unset.onReport(Map.of("caller_identity", "claimed"))).isEqualTo(new Proceed(null));
        assertThat(unset.onReport(Map.of("caller_identity", "failed"))).isEqualTo(new Proceed(null));
        assertThat(unset.onReport(Map.of("caller_identity", "unknown"))).isEqualTo(new Proceed(null));
        assertThat(unset.onReport(Map.of("caller_identity", "failed")))
                .isEqualTo(new HandOver("authentication_failed", "3 failed authentication attempts", false));
    }

    @Test
    void aFailedIdentityTheAgentReportsAgainIsTheSameAttemptNotAnother() {
        ContractGuard guard = guard(null);
        // a model resends every field it knows with each report: the failure it already reported is not new
        assertThat(guard.onReport(Map.of("caller_identity", "failed"))).isEqualTo(new Proceed(null));
        assertThat(guard.onReport(Map.of("caller_identity", "failed", "intent", "billing_question")))
                .isEqualTo(new Proceed(null));
        assertThat(guard.onReport(Map.of("intent", "payment_question"))).isEqualTo(new Proceed(null));
        assertThat(guard.onReport(Map.of("caller_identity", "failed", "current_task", "verifying")))
                .isEqualTo(new Proceed(null));
        assertThat(guard.onReport(Map.of("caller_identity", "failed"))).isEqualTo(new Proceed(null));
        assertThat(guard.onReport(Map.of("caller_identity", "claimed"))).isEqualTo(new Proceed(null));
        assertThat(guard.onReport(Map.of("caller_identity", "failed"))).as("the second attempt")
                .isEqualTo(new Proceed(null));
        assertThat(guard.onReport(Map.of("caller_identity", "verified"))).isEqualTo(new Proceed(null));
        assertThat(guard.onReport(Map.of("caller_identity", "failed"))).as("the third")
                .isEqualTo(new HandOver("authentication_failed", "3 failed authentication attempts", false));
    }

    @Test
    void aFailureIsAFailureInAnyCase() {
        ContractGuard strict = guard(new HandoffLimits(null, 1, null, null, null));
        assertThat(strict.onReport(Map.of("caller_identity", " FAILED")))
                .isEqualTo(new HandOver("authentication_failed", "1 failed authentication attempts", false));
    }

    @Test
    void wrongPinsCountAsFailedAttemptsWithoutTheAgentsWord() {
        ContractGuard guard = guard(null);
        assertThat(guard.onFailedVerification()).isEqualTo(new Proceed(null));
        assertThat(guard.onFailedVerification()).isEqualTo(new Proceed(null));
        assertThat(guard.onFailedVerification())
                .isEqualTo(new HandOver("authentication_failed", "3 failed authentication attempts", false));
    }

    @Test
    void theAgentsReportOfAWrongPinIsNotASecondAttempt() {
        ContractGuard guard = guard(null);
        assertThat(guard.onFailedVerification()).isEqualTo(new Proceed(null));
        assertThat(guard.onReport(Map.of("caller_identity", "failed"))).as("the same attempt, reported")
                .isEqualTo(new Proceed(null));
        assertThat(guard.onReport(Map.of("caller_identity", "claimed"))).isEqualTo(new Proceed(null));
        assertThat(guard.onFailedVerification()).isEqualTo(new Proceed(null));
        assertThat(guard.onReport(Map.of("caller_identity", "failed"))).isEqualTo(new Proceed(null));
        // a failure the agent found without a PIN check counts
        assertThat(guard.onReport(Map.of("caller_identity", "claimed"))).isEqualTo(new Proceed(null));
        assertThat(guard.onReport(Map.of("caller_identity", "failed")))
                .isEqualTo(new HandOver("authentication_failed", "3 failed authentication attempts", false));
    }

    @Test
    void aWrongPinTheAgentCallsUnverifiedBeforeFailedIsStillOneAttempt() {
        ContractGuard strict = guard(new HandoffLimits(null, 2, null, null, null));
        assertThat(strict.onFailedVerification()).isEqualTo(new Proceed(null));
        assertThat(strict.onReport(Map.of("caller_identity", "unverified"))).isEqualTo(new Proceed(null));
        assertThat(strict.onReport(Map.of("caller_identity", "failed"))).isEqualTo(new Proceed(null));
    }

    @Test
    void policyViolationsAreRemindedOfUntilTheContractsLimit() {
        ContractGuard guard = guard(new HandoffLimits(2, null, null, null, null));
        assertThat(guard.onReport(Map.of("policy_violation", "asked for another customer's address")))
                .isEqualTo(new Proceed(ContractGuard.POLICY_REMINDER));
        assertThat(guard.onReport(Map.of("intent", "billing_question"))).isEqualTo(new Proceed(null));
        assertThat(guard.onReport(Map.of("policy_violation", "asked again")))
                .isEqualTo(new HandOver("policy_violations", "2 policy violations, the last: asked again", false));

        assertThat(guard(null).onReport(Map.of("policy_violation", "x"))).as("no limit in the contract")
                .isEqualTo(new Proceed(ContractGuard.POLICY_REMINDER));
    }

    @Test
    void aPaymentRequestTakesTheContractsAction() {
        assertThat(guard(new HandoffLimits(null, null, "transfer", null, null)).onReport(Map.of("sensitive_topic", "payment")))
                .isEqualTo(new HandOver("payment", "the caller wants to make a payment", false));
        assertThat(guard(new HandoffLimits(null, null, "callback", null, null)).onReport(Map.of("sensitive_topic", "PAYMENT")))
                .isEqualTo(new HandOver("payment", "the caller wants to make a payment", true));
        assertThat(guard(new HandoffLimits(null, null, "refuse", null, null)).onReport(Map.of("sensitive_topic", "payment")))
                .isEqualTo(new Proceed(ContractGuard.PAYMENT_REFUSED));
        assertThat(guard(null).onReport(Map.of("sensitive_topic", "payment"))).as("the contract says nothing")
                .isEqualTo(new Proceed(null));
    }

    @Test
    void aSafetyConcernIsHandedOverUnlessTheContractEndsTheCall() {
        assertThat(guard(new HandoffLimits(null, null, null, "end_call", null)).onReport(Map.of("sensitive_topic", "safety")))
                .isEqualTo(new EndCall("safety", "a safety concern; the contract ends the call"));
        assertThat(guard(new HandoffLimits(null, null, null, "transfer", null)).onReport(Map.of("sensitive_topic", "safety")))
                .isEqualTo(new HandOver("safety", "a safety concern", false));
        assertThat(guard(null).onReport(Map.of("sensitive_topic", "safety"))).isInstanceOf(HandOver.class);
    }

    @Test
    void confidenceUnderTheContractsThresholdHandsOver() {
        ContractGuard guard = guard(new HandoffLimits(null, null, null, null, 0.6));
        assertThat(guard.onReport(Map.of("confidence", 0.9))).isEqualTo(new Proceed(null));
        assertThat(guard.onReport(Map.of("confidence", "0.35"))).isEqualTo(new HandOver("low_confidence",
                "the agent's confidence 0.35 is under the contract's 0.60", false));
        assertThat(guard.onReport(Map.of("confidence", "not a number"))).isEqualTo(new Proceed(null));
        assertThat(guard(null).onReport(Map.of("confidence", 0.1))).as("no threshold").isEqualTo(new Proceed(null));
    }

    @Test
    void theMostSeriousFindingOfOneReportDecides() {
        HandoffLimits strict = new HandoffLimits(1, 1, "refuse", "end_call", 0.5);
        assertThat(guard(strict).onReport(Map.of("escalate_reason", "caller asked for a person",
                "sensitive_topic", "safety")))
                .isEqualTo(new HandOver("contract_limit: caller asked for a person", null, false));
        assertThat(guard(strict).onReport(Map.of("sensitive_topic", "safety", "caller_identity", "failed")))
                .isInstanceOf(EndCall.class);
        assertThat(guard(strict).onReport(Map.of("caller_identity", "failed", "policy_violation", "x")))
                .isEqualTo(new HandOver("authentication_failed", "1 failed authentication attempts", false));
    }

    @Test
    void theCallsVersionGivesTheLimitsAndTheFallbackDestination() {
        VersionView v1 = new VersionView("agv-1", List.of("escalation"), List.of(), List.of(), null, null,
                new HandoffLimits(null, 1, null, null, null), List.of(), "  ");
        VersionView v2 = new VersionView("agv-2", List.of("escalation"), List.of(), List.of(), null, null,
                null, List.of(), "+15555550177");
        AgentView agent = new AgentView("support", "agv-1", List.of("escalation"), "+15555550199", List.of(v1, v2),
                Rollout.NONE);

        ContractGuard first = ContractGuard.of(agent, "agv-1", 3);
        assertThat(first.fallbackDestination()).as("a blank version fallback falls back to the agent's")
                .isEqualTo("+15555550199");
        assertThat(first.onReport(Map.of("caller_identity", "failed"))).isInstanceOf(HandOver.class);

        ContractGuard second = ContractGuard.of(agent, "agv-2", 3);
        assertThat(second.fallbackDestination()).isEqualTo("+15555550177");
        assertThat(second.onReport(Map.of("caller_identity", "failed"))).as("no limits: the bridge's default of 3")
                .isEqualTo(new Proceed(null));

        assertThat(ContractGuard.of(new AgentView("support", "agv-1", List.of(), null), "agv-9", 3)
                .fallbackDestination()).isNull();
    }

    private static final List<IntentView> INTENTS = List.of(
            new IntentView("billing_question", "resolvable", List.of("lookup"), null),
            new IntentView("dispute", "must_transfer", List.of("escalation"), "billing_desk"),
            new IntentView("fraud_report", "must_transfer", List.of("escalation"), null));
    private static final HandoffTarget BILLING_DESK = new HandoffTarget("billing_desk", "+15555550199");

    @Test
    void aReportedMustTransferIntentHandsOverAtOnceToTheIntentsTarget() {
        ContractGuard guard = new ContractGuard(null, 3, null, INTENTS, List.of(BILLING_DESK));

        assertThat(guard.onReport(Map.of("intent", "billing_question"))).isEqualTo(new Proceed(null));
        assertThat(guard.onReport(Map.of("intent", "dispute"))).isEqualTo(new HandOver("must_transfer: dispute",
                "the contract hands intent dispute to a person", false, BILLING_DESK));
        assertThat(guard.onReport(Map.of("intent", "fraud_report"))).as("no target named: the contract's default")
                .isEqualTo(new HandOver("must_transfer: fraud_report",
                        "the contract hands intent fraud_report to a person", false, null));
        assertThat(guard.onReport(Map.of("intent", "something_else"))).as("an intent the contract does not name")
                .isEqualTo(new Proceed(null));
    }

    @Test
    void aMustTransferIntentGoesAheadOfTheAgentsOwnEscalationSoItsTargetIsKept() {
        ContractGuard guard = new ContractGuard(new HandoffLimits(null, null, null, "end_call", null), 3, null,
                INTENTS, List.of(BILLING_DESK));

        assertThat(guard.onReport(Map.of("intent", "dispute", "escalate_reason", "caller disputes a charge",
                "sensitive_topic", "safety"))).isEqualTo(new HandOver("must_transfer: dispute",
                "the contract hands intent dispute to a person", false, BILLING_DESK));
    }

    @Test
    void theCallsVersionGivesItsIntentsAndTheirTools() {
        VersionView v2 = new VersionView("agv-2", List.of("lookup", "escalation"), INTENTS, List.of(BILLING_DESK),
                null, null, null, List.of(), null);
        AgentView agent = new AgentView("support", "agv-1", List.of("lookup"), null, List.of(v2), Rollout.NONE);

        assertThat(ContractGuard.intentNames(agent, "agv-2")).containsExactly("billing_question", "dispute",
                "fraud_report");
        assertThat(ContractGuard.intentNames(agent, "agv-1")).as("a version the view does not describe").isEmpty();
        ContractGuard guard = ContractGuard.of(agent, "agv-2", 3);
        assertThat(guard.toolsOf("dispute")).containsExactly("escalation");
        assertThat(guard.toolsOf("unknown")).isNull();
        assertThat(guard.onReport(Map.of("intent", "dispute"))).isInstanceOfSatisfying(HandOver.class,
                handOver -> assertThat(handOver.target()).isEqualTo(BILLING_DESK));
    }
}
