package dev.voiceagent.bridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentStateTest {

    @Test
    void onlyALookupThatSaysVerifiedVerifiesTheCaller() {
        Map<String, Object> verified = Map.of("found", true, "account_number", "4417", "verified", true);

        assertThat(AgentState.verifiedAccount("lookup", verified, null)).isEqualTo("4417");
        assertThat(AgentState.verifiedAccount("lookup", Map.of("found", true, "account_number", "4417",
                "verified", false), null)).isNull();
        assertThat(AgentState.verifiedAccount("lookup", Map.of("found", true, "account_number", "4417"), null))
                .isNull();
        assertThat(AgentState.verifiedAccount("callback", verified, null)).as("another tool's output").isNull();
        assertThat(AgentState.verifiedAccount("lookup", Map.of("found", true, "account_number", "5005"), "4417"))
                .as("a later lookup without a PIN keeps the verification").isEqualTo("4417");
    }

    @Test
    void theModelsWordThatTheCallerIsVerifiedIsKeptAsAClaim() {
        assertThat(AgentState.asReported(Map.of("caller_identity", "verified", "intent", "x"), false))
                .isEqualTo(Map.of("caller_identity", "claimed", "intent", "x"));
        assertThat(AgentState.asReported(Map.of("caller_identity", "failed"), false))
                .isEqualTo(Map.of("caller_identity", "failed"));
        assertThat(AgentState.asReported(Map.of("caller_identity", "unknown", "intent", "x"), true))
                .as("once the bridge verified the caller, the field is the bridge's").isEqualTo(Map.of("intent", "x"));
    }

    @Test
    void noWordingOfTheModelsMakesACallerVerified() {
        for (String said : List.of("Verified", "VERIFIED", "verified ", "authenticated", "confirmed", "ok")) {
            assertThat(AgentState.asReported(Map.of("caller_identity", said), false)).as(said)
                    .isEqualTo(Map.of("caller_identity", "claimed"));
        }
        assertThat(AgentState.asReported(Map.of("caller_identity", " Failed"), false))
                .isEqualTo(Map.of("caller_identity", "failed"));
        assertThat(AgentState.asReported(Map.of("caller_identity", "UNKNOWN"), false))
                .isEqualTo(Map.of("caller_identity", "unknown"));
    }

    @Test
    void aPinTheCallerGaveIsMaskedInTheCallsRecord() {
        assertThat(AgentState.withoutSecrets(Map.of("account_number", "4417", "pin", "2468")))
                .isEqualTo(Map.of("account_number", "4417", "pin", "***"));
        assertThat(AgentState.withoutSecrets(null)).isEmpty();
    }
}
