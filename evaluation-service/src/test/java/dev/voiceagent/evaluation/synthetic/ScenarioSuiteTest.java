package dev.voiceagent.evaluation.synthetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.voiceagent.evaluation.synthetic.ScenarioSuite.ContractInput;
import dev.voiceagent.evaluation.synthetic.ScenarioSuite.IntentInput;
import dev.voiceagent.evaluation.synthetic.ScenarioSuite.SuiteRequest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;

class ScenarioSuiteTest {

    static final ContractInput CONTRACT = new ContractInput(List.of(
            new IntentInput("account_balance", "resolvable", List.of("lookup"), null),
            new IntentInput("dispute", "triage", List.of(), "billing"),
            new IntentInput("fraud", "transfer", List.of(), "security")));

    @Test
    void everyIntentAndEveryEscalationPathGetsAScenario() {
        List<Scenario> suite = ScenarioSuite.build(new SuiteRequest(CONTRACT, null));
        assertThat(suite).extracting(Scenario::id).containsExactly("intent-account_balance", "intent-dispute",
                "intent-fraud", "escalation-human-request", "escalation-authentication-failure",
                "escalation-handoff-billing", "escalation-handoff-security");
        assertThat(suite.get(0).expect().outcomes()).containsExactly("resolved");
        assertThat(suite.get(0).expect().tools()).containsExactly("lookup");
        assertThat(suite.get(2).expect().outcomes()).containsExactly("transferred");
        assertThat(suite.get(3).caller()).anyMatch(step -> Boolean.TRUE.equals(step.interrupt()));
        assertThat(suite.get(4).caller()).anyMatch(step -> step.dtmf() != null);
    }

    @Test
    void explicitScenariosReplaceGeneratedOnesById() {
        Scenario edited = new Scenario("intent-dispute", "edited", "dispute",
                List.of(new Scenario.CallerStep("I was charged twice", null, null, null)),
                new Scenario.Expectation("dispute", null, List.of("callback_created"), true));
        List<Scenario> suite = ScenarioSuite.build(new SuiteRequest(CONTRACT, List.of(edited)));
        assertThat(suite).hasSize(7);
        assertThat(suite.get(1).description()).isEqualTo("edited");
    }

    @Test
    void badSuitesAreRejected() {
        assertThatThrownBy(() -> ScenarioSuite.build(new SuiteRequest(null, null)))
                .isInstanceOf(ErrorResponseException.class);
        assertThatThrownBy(() -> ScenarioSuite.build(new SuiteRequest(new ContractInput(List.of(
                new IntentInput("x", "sometimes", null, null))), null))).isInstanceOf(ErrorResponseException.class);
        Scenario noSteps = new Scenario("s1", null, null, List.of(), null);
        assertThatThrownBy(() -> ScenarioSuite.build(new SuiteRequest(null, List.of(noSteps))))
                .isInstanceOf(ErrorResponseException.class);
    }

    @Test
    void expectationsAreCheckedAgainstWhatHappened() {
        var expect = new Scenario.Expectation("account_balance", List.of("lookup"), List.of("resolved"), false);
        assertThat(ExpectationCheck.of(expect, "account_balance", "resolved", List.of("lookup")).met()).isTrue();
        ExpectationCheck miss = ExpectationCheck.of(expect, "other", "transferred", List.of());
        assertThat(miss.met()).isFalse();
        assertThat(miss.unmet()).containsExactly("intent other, expected account_balance", "tool lookup not used",
                "outcome transferred, expected resolved", "unexpected hand-over (transferred)");
    }
}
