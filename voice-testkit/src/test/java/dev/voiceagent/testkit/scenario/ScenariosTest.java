package dev.voiceagent.testkit.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ScenariosTest {

    @Test
    void loadsTheAccountLookupScenario() {
        Scenario scenario = Scenarios.load(Scenarios.ACCOUNT_LOOKUP);

        assertThat(scenario.greeting()).isEqualTo("Thanks for calling Demo Bank, how can I help?");
        assertThat(scenario.turns()).hasSize(3);
        Turn first = scenario.turns().get(0);
        assertThat(first.callerSays()).isEqualTo("What is my account balance? My account number is 1001 and my PIN is 2 4 6 8.");
        assertThat(first.modelActions()).containsExactly(
                new ModelAction.CallTool("update_session", Map.of("intent", "account_inquiry")),
                new ModelAction.CallTool("lookup", Map.of("account_number", "1001", "pin", "2468")),
                new ModelAction.Say("Your balance is {balance} {currency}."));
        assertThat(scenario.turns().get(1).modelActions().get(1))
                .isEqualTo(new ModelAction.CallTool("callback", Map.of("reason", "disputed charge", "priority", "high")));
        assertThat(scenario.turns().get(2).modelActions()).containsExactly(new ModelAction.Say("Goodbye!"));
    }

    @Test
    void loadsTheGreetingOnlyScenario() {
        Scenario scenario = Scenarios.load(Scenarios.GREETING_ONLY);
        assertThat(scenario.greeting()).isNotBlank();
        assertThat(scenario.turns()).hasSize(1);
    }

    @Test
    void fillsPlaceholdersFromToolOutput() {
        ModelAction.Say say = new ModelAction.Say("Your balance is {balance} {currency}.");

        assertThat(say.render(Map.of("balance", 250.75, "currency", "USD"))).isEqualTo("Your balance is 250.75 USD.");
        assertThat(say.render(Map.of())).isEqualTo("Your balance is {balance} {currency}.");
    }

    @Test
    void parsesTurnsWithBargeInAndDtmf() {
        Scenario scenario = Scenarios.parse("""
                {"name":"x","turns":[{"caller_says":"one","barge_in":true,"dtmf":["1","#"],
                  "model_actions":[{"say":"ok"}]}]}""");

        assertThat(scenario.greeting()).isNull();
        assertThat(scenario.turns().get(0)).isEqualTo(new Turn("one", true, java.util.List.of("1", "#"),
                java.util.List.of(new ModelAction.Say("ok"))));
    }

    @Test
    void rejectsUnknownScenariosAndBadActions() {
        assertThatThrownBy(() -> Scenarios.load("no-such-scenario")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Scenarios.parse("{\"name\":\"x\",\"turns\":[{\"model_actions\":[{\"sing\":\"la\"}]}]}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Scenarios.parse("{not json")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void builderMakesTheSameShape() {
        Scenario built = Scenario.builder("b").greeting("Hi")
                .turn("Hello", ModelAction.callTool("noop", Map.of()), ModelAction.say("Done"))
                .turn(Turn.of("Bye").withBargeIn())
                .build();

        assertThat(built.turns()).hasSize(2);
        assertThat(built.turns().get(1).bargeIn()).isTrue();
        assertThat(built.turns().get(0).sayCount()).isEqualTo(1);
    }
}
