package dev.voiceagent.tools.escalation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TransferTwimlTest {

    static final TransferTwiml.Context CONTEXT = new TransferTwiml.Context("esc_1", "billing", "Late fee & refund",
            "https://voice.example/w", "https://voice.example/d");

    @Test
    void numberTargetsGetAWhisperUrlAndADialAction() {
        String xml = TransferTwiml.build("+15555550999", CONTEXT, Duration.ofSeconds(20));
        assertThat(xml).contains("<Say>").contains("timeout=\"20\"").contains("action=\"https://voice.example/d\"")
                .contains("url=\"https://voice.example/w\"").contains(">+15555550999</Number>");
    }

    @Test
    void sipTargetsCarryTheContextAsHeaders() {
        String xml = TransferTwiml.build("sip:queue@pbx.example", CONTEXT, Duration.ofSeconds(20));
        assertThat(xml).contains("sip:queue@pbx.example?X-Voice-Escalation=esc_1&amp;X-Voice-Intent=billing"
                + "&amp;X-Voice-Summary=Late%20fee%20%26%20refund");
    }

    @Test
    void clientTargetsCarryTheContextAsParameters() {
        String xml = TransferTwiml.build("client:agent-7", CONTEXT, Duration.ofSeconds(20));
        assertThat(xml).contains("<Identity>agent-7</Identity>").contains("name=\"intent\"")
                .contains("value=\"billing\"");
    }

    @Test
    void onlyNumbersSipAndClientTargetsAreDialable() {
        assertThat(TransferTwiml.dialable("+15555550999")).isTrue();
        assertThat(TransferTwiml.dialable("sip:a@b")).isTrue();
        assertThat(TransferTwiml.dialable("client:x")).isTrue();
        assertThat(TransferTwiml.dialable("555-0100")).isFalse();
        assertThat(TransferTwiml.dialable(null)).isFalse();
    }
}
