package dev.voiceagent.evaluation.synthetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.evaluation.synthetic.Scenario.CallerStep;
import dev.voiceagent.evaluation.synthetic.Scenario.ModelStep;
import dev.voiceagent.evaluation.synthetic.ScenarioSuite.SuiteRequest;
import dev.voiceagent.testkit.scenario.ModelAction;
import dev.voiceagent.testkit.scenario.Scenarios;
import dev.voiceagent.testkit.scenario.Turn;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;

/** Synthetic scenarios as the simulators' scripts, read back by the testkit exactly as the simulators read them. */
class SimulatorScriptTest {

    private static final String GREETING = "Thanks for calling Demo Bank, how can I help?";
    private static final List<Scenario> SUITE = ScenarioSuite.build(new SuiteRequest(ScenarioSuiteTest.CONTRACT, null));

    @Test
    void aResolvableIntentNamesItsIntentUsesItsToolsAndSaysGoodbye() {
        dev.voiceagent.testkit.scenario.Scenario script = asTestkit(scenario("intent-account_balance"));

        assertThat(script.name()).isEqualTo("intent-account_balance");
        assertThat(script.greeting()).isEqualTo(GREETING);
        assertThat(script.turns()).extracting(Turn::callerSays)
                .containsExactly("Hi, I'm calling about account balance.", "Yes, that's right.");
        assertThat(script.turns().get(0).modelActions()).containsExactly(
                new ModelAction.CallTool("update_session", Map.of("intent", "account_balance")),
                new ModelAction.CallTool("lookup", Map.of()),
                new ModelAction.Say("I have looked into that for you."));
        assertThat(script.turns().get(1).modelActions()).containsExactly(new ModelAction.Say("Glad I could help. Goodbye!"));
        assertThat(script.turns()).noneMatch(Turn::bargeIn);
        assertThat(script.staysOnLine()).as("hangs up after the goodbye").isFalse();
    }

    @Test
    void anExpectedHandOverEndsWithTheModelAskingForIt() {
        dev.voiceagent.testkit.scenario.Scenario script = asTestkit(scenario("intent-fraud"));

        assertThat(script.turns().get(0).modelActions()).first()
                .isEqualTo(new ModelAction.CallTool("update_session", Map.of("intent", "fraud")));
        assertThat(script.turns().get(1).modelActions()).singleElement()
                .isEqualTo(new ModelAction.CallTool("update_session",
                        Map.of("escalate_reason", "synthetic scenario intent-fraud expects a hand-over")));
        assertThat(script.staysOnLine()).as("holds while being transferred").isTrue();
    }

    @Test
    void interruptionsBecomeBargeInAndKeypadStepsFailAuthentication() {
        dev.voiceagent.testkit.scenario.Scenario human = asTestkit(scenario("escalation-human-request"));
        assertThat(human.turns()).extracting(Turn::bargeIn).containsExactly(false, true);

        dev.voiceagent.testkit.scenario.Scenario auth = asTestkit(scenario("escalation-authentication-failure"));
        assertThat(auth.turns()).extracting(Turn::callerSays).containsExactly("I want to check my account.", "", "");
        assertThat(auth.turns().get(1).dtmf()).containsExactly("0", "0", "0", "0", "#");
        assertThat(auth.turns().get(2).dtmf()).containsExactly("9", "9", "9", "9", "#");
        assertThat(auth.turns().get(1).modelActions()).contains(
                new ModelAction.CallTool("update_session", Map.of("caller_identity", "failed")));
    }

    @Test
    void explicitModelStepsReplaceTheDerivedOnes() {
        Scenario outOfScope = new Scenario("bad-sms", "the model texts although the agent may not", "account_balance",
                List.of(new CallerStep("What is my balance?", null, null, null, List.of(
                        new ModelStep(null, "update_session", Map.of("intent", "account_balance")),
                        new ModelStep(null, "sms", Map.of("body", "Your balance")),
                        new ModelStep("I sent you a text.", null, null)))),
                new Scenario.Expectation("account_balance", null, List.of("resolved"), false));

        dev.voiceagent.testkit.scenario.Scenario script = asTestkit(SimulatorScript.of(outOfScope, null));

        assertThat(script.greeting()).isNull();
        assertThat(script.turns()).singleElement().satisfies(turn -> assertThat(turn.modelActions()).containsExactly(
                new ModelAction.CallTool("update_session", Map.of("intent", "account_balance")),
                new ModelAction.CallTool("sms", Map.of("body", "Your balance")),
                new ModelAction.Say("I sent you a text.")));
    }

    @Test
    void aModelStepMustEitherSayOrCallATool() {
        for (ModelStep bad : List.of(new ModelStep(null, null, null), new ModelStep("hi", "noop", null))) {
            Scenario scenario = new Scenario("s1", null, null,
                    List.of(new CallerStep("hello", null, null, null, List.of(bad))), null);
            assertThatThrownBy(() -> ScenarioSuite.build(new SuiteRequest(null, List.of(scenario))))
                    .isInstanceOf(ErrorResponseException.class);
        }
    }

    private static Scenario scenario(String id) {
        return SUITE.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
    }

    private static dev.voiceagent.testkit.scenario.Scenario asTestkit(Scenario scenario) {
        return asTestkit(SimulatorScript.of(scenario, GREETING));
    }

    private static dev.voiceagent.testkit.scenario.Scenario asTestkit(SimulatorScript script) {
        return Scenarios.parse(EventCodec.mapper().writeValueAsString(script));
    }
}
