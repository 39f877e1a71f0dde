package dev.voiceagent.config.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.web.ErrorResponseException;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

class AgentContractTest {

    static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    static Stream<Arguments> invalidContracts() {
        return Stream.of(
                Arguments.of("{}", "intents"),
                Arguments.of("{\"intents\":[{\"name\":\"a\",\"class\":\"resolvable\",\"tools\":[]}]}", "intents[0].tools"),
                Arguments.of("{\"intents\":[{\"name\":\"a\",\"class\":\"resolvable\"}]}", "intents[0].tools"),
                Arguments.of("{\"intents\":[{\"name\":\"a\",\"class\":\"resolvable\",\"tools\":[\"lookup\",\"fly\"]}]}", "intents[0].tools[1]"),
                Arguments.of("{\"intents\":[{\"name\":\"a\",\"class\":\"maybe\",\"tools\":[\"noop\"]}]}", "intents[0].class"),
                Arguments.of("{\"intents\":[{\"name\":\"a\",\"class\":\"must_transfer\",\"tools\":[\"escalation\"]}]}", "intents[0].handoff_target"),
                Arguments.of("{\"intents\":[{\"name\":\"a\",\"class\":\"must_transfer\",\"tools\":[\"escalation\"],\"handoff_target\":\"nobody\"}]}", "intents[0].handoff_target"),
                Arguments.of("{\"intents\":[{\"name\":\"a\",\"class\":\"resolvable\",\"tools\":[\"noop\"]},{\"name\":\"a\",\"class\":\"resolvable\",\"tools\":[\"noop\"]}]}", "intents[1].name"),
                Arguments.of("{\"intents\":[{\"name\":\"a\",\"class\":\"resolvable\",\"tools\":[\"noop\"]}],\"limits\":{\"confidence_threshold\":1.5}}", "limits.confidence_threshold"),
                Arguments.of("{\"intents\":[{\"name\":\"a\",\"class\":\"resolvable\",\"tools\":[\"noop\"]}],\"consents\":[\"telepathy\"]}", "consents[0]"),
                Arguments.of("{\"intents\":[{\"name\":\"a\",\"class\":\"resolvable\",\"tools\":[\"noop\"]}],\"session_fields\":[\"mood\"]}", "session_fields[0]"),
                Arguments.of("{\"intents\":[{\"name\":\"a\",\"class\":\"resolvable\",\"tools\":[\"noop\"]}],\"handoff\":{\"targets\":[{\"name\":\"q\",\"phone_number\":\"123\"}]}}", "handoff.targets[0].phone_number"),
                Arguments.of("{\"intents\":[{\"name\":\"a\",\"class\":\"resolvable\",\"tools\":[\"noop\"]}],\"handoff\":{\"business_hours\":{\"time_zone\":\"UTC\",\"days\":{\"mon\":\"17:00-09:00\"}}}}", "handoff.business_hours.days.mon"),
                Arguments.of("{\"intents\":[{\"name\":\"a\",\"class\":\"resolvable\",\"tools\":[\"noop\"]}],\"extra\":1}", "extra"));
    }

    @ParameterizedTest
    @MethodSource("invalidContracts")
    void rejectsInvalidContractNamingTheField(String body, String field) {
        assertThatThrownBy(() -> AgentContract.parse(JSON.readTree(body)))
                .isInstanceOfSatisfying(ErrorResponseException.class, e -> {
                    assertThat(e.getStatusCode().value()).isEqualTo(400);
                    assertThat(e.getBody().getDetail()).startsWith(field + ":");
                });
    }

    @Test
    void acceptsAFullContractAndReadsItBack() {
        String body = """
                {"description":"Billing line",
                 "intents":[{"name":"balance","class":"resolvable","tools":["lookup"]},
                            {"name":"dispute","class":"triage_only","tools":["callback","lookup"]},
                            {"name":"fraud","class":"must_transfer","tools":["escalation"],"handoff_target":"fraud_desk"}],
                 "limits":{"max_policy_violations":1,"max_authentication_failures":2,"payment":"refuse",
                           "safety":"end_call","confidence_threshold":0.7},
                 "session_fields":["caller_identity","intent"],
                 "consents":["ai_disclosure","recording"],
                 "handoff":{"targets":[{"name":"fraud_desk","phone_number":"+15555550111"}],
                            "business_hours":{"time_zone":"Europe/Berlin","days":{"mon":"08:00-18:00","sat":"10:00-14:00"}},
                            "out_of_hours":"callback"}}""";
        AgentContract contract = AgentContract.parse(JSON.readTree(body));
        assertThat(contract.allowedTools()).containsExactly("lookup", "escalation", "callback");
        assertThat(contract.fallbackDestination()).isEqualTo("+15555550111");
        assertThat(AgentContract.fromJson(JSON.readTree(JSON.writeValueAsString(contract)))).isEqualTo(contract);
    }
}
