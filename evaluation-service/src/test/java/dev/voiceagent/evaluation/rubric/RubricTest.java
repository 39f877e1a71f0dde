package dev.voiceagent.evaluation.rubric;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.SessionOutcome.ToolSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RubricTest {

    final Rubric rubric = new Rubric(new RubricProperties(Duration.ofMillis(1000), 0.7));

    static SessionOutcome outcome(Outcome outcome, Long ttfa, int callerTurns, int agentTurns, int interruptions,
                                  List<ToolSummary> tools, String escalationReason) {
        Instant start = Instant.parse("2030-01-01T10:00:00Z");
        return new SessionOutcome(outcome, "account_balance", "v1", "+15555550100", start, start.plusSeconds(60),
                60_000, ttfa, callerTurns, agentTurns, interruptions, tools, escalationReason, "summary");
    }

    static SessionEvidence evidence(SessionOutcome outcome, SessionEvidence.ToolResult... results) {
        return new SessionEvidence(outcome, List.of(), List.of(results));
    }

    double criterion(Scorecard card, String name) {
        return card.scoresByName().get(name);
    }

    @Test
    void aCleanResolvedCallScoresFullMarksAndPasses() {
        Scorecard card = rubric.score(evidence(outcome(Outcome.RESOLVED, 800L, 2, 2, 0,
                List.of(new ToolSummary("t1", "lookup", "ok", 40)), null)));
        assertThat(card.score()).isEqualTo(1.0);
        assertThat(card.passed()).isTrue();
        assertThat(card.criteria()).extracting(Scorecard.Criterion::name).containsExactly("resolution",
                "tool_policy", "escalation", "responsiveness", "tool_reliability", "responded", "interruptions");
        assertThat(card.criteria().stream().mapToDouble(Scorecard.Criterion::weight).sum()).isEqualTo(1.0,
                org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void resolutionFollowsTheOutcome() {
        assertThat(Rubric.resolution(Outcome.RESOLVED).score()).isEqualTo(1.0);
        assertThat(Rubric.resolution(Outcome.CALLBACK_CREATED).score()).isEqualTo(0.7);
        assertThat(Rubric.resolution(Outcome.FAILED_AUTHENTICATION).score()).isEqualTo(0.4);
        assertThat(Rubric.resolution(Outcome.ABANDONED).score()).isEqualTo(0.0);
    }

    @Test
    void aDeniedToolFailsPolicyAndTheSessionEvenWithAHighScore() {
        Scorecard card = rubric.score(evidence(outcome(Outcome.RESOLVED, 500L, 1, 1, 0,
                List.of(new ToolSummary("t1", "sms", "ok", 10)), null),
                new SessionEvidence.ToolResult("t1", "sms", "denied", "not allowed", 3)));
        assertThat(criterion(card, "tool_policy")).isEqualTo(0.0);
        assertThat(criterion(card, "tool_reliability")).isEqualTo(1.0);
        assertThat(card.score()).isGreaterThan(0.7);
        assertThat(card.passed()).isFalse();
    }

    @Test
    void requiredEscalationMustBeHandedOver() {
        var missed = rubric.score(evidence(outcome(Outcome.RESOLVED, 500L, 1, 1, 0, List.of(), "payment dispute")));
        var honoured = rubric.score(evidence(outcome(Outcome.TRANSFERRED, 500L, 1, 1, 0, List.of(), "payment dispute")));
        assertThat(criterion(missed, "escalation")).isEqualTo(0.0);
        assertThat(missed.passed()).isFalse();
        assertThat(criterion(honoured, "escalation")).isEqualTo(1.0);
        assertThat(honoured.passed()).isTrue();
    }

    @Test
    void responsivenessFallsLinearlyFromTheThresholdToTwiceIt() {
        assertThat(criterion(rubric.score(evidence(outcome(Outcome.RESOLVED, 1000L, 1, 1, 0, List.of(), null))),
                "responsiveness")).isEqualTo(1.0);
        assertThat(criterion(rubric.score(evidence(outcome(Outcome.RESOLVED, 1500L, 1, 1, 0, List.of(), null))),
                "responsiveness")).isEqualTo(0.5);
        assertThat(criterion(rubric.score(evidence(outcome(Outcome.RESOLVED, 5000L, 1, 1, 0, List.of(), null))),
                "responsiveness")).isEqualTo(0.0);
        assertThat(criterion(rubric.score(evidence(outcome(Outcome.ABANDONED, null, 0, 0, 0, List.of(), null))),
                "responsiveness")).isEqualTo(0.0);
    }

    @Test
    void failedAndTimedOutToolsLowerReliability() {
        Scorecard card = rubric.score(evidence(outcome(Outcome.RESOLVED, 500L, 1, 1, 0, List.of(
                new ToolSummary("t1", "lookup", "ok", 10), new ToolSummary("t2", "lookup", "timeout", 3000)), null),
                new SessionEvidence.ToolResult("t2", "lookup", "ok", null, 2900)));
        assertThat(criterion(card, "tool_reliability")).isEqualTo(0.5);
    }

    @Test
    void interruptionsAndSilenceCount() {
        assertThat(Rubric.interruptions(2).score()).isEqualTo(0.5);
        assertThat(Rubric.interruptions(9).score()).isEqualTo(0.0);
        Scorecard unanswered = rubric.score(evidence(outcome(Outcome.FAILED, 500L, 3, 0, 0, List.of(), null)));
        assertThat(criterion(unanswered, "responded")).isEqualTo(0.0);
        assertThat(unanswered.passed()).isFalse();
    }
}
