package dev.voiceagent.tools.scope;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.ToolName;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PaymentRequestsTest {

    @Test
    void refusesIntentsAndArgumentsThatMentionPaymentOrCards() {
        assertThat(PaymentRequests.isPaymentRequest(ToolName.LOOKUP, "make_payment", Map.of())).isTrue();
        assertThat(PaymentRequests.isPaymentRequest(ToolName.SMS, "support", Map.of("body", "Pay by CARD"))).isTrue();
        assertThat(PaymentRequests.isPaymentRequest(ToolName.SCHEDULING, null, Map.of("card_number", "1"))).isTrue();
    }

    @Test
    void aSealedPinIsNoPaymentWhateverItsLettersSpell() {
        assertThat(PaymentRequests.isPaymentRequest(ToolName.LOOKUP, null,
                Map.of("account_number", "1001", "pin", "sealed:v1:0a1b2c3d:Ab-pay-Cd_card"))).isFalse();
    }

    @Test
    void refusesCardNumbersEvenWithoutTheWord() {
        assertThat(PaymentRequests.isPaymentRequest(ToolName.LOOKUP, null,
                Map.of("account_number", "4111-1111-1111-1111"))).isTrue();
        assertThat(PaymentRequests.isPaymentRequest(ToolName.LOOKUP, null, Map.of("account_number", "1001"))).isFalse();
    }

    @Test
    void handOverToolsAndUnrelatedWordsPass() {
        assertThat(PaymentRequests.isPaymentRequest(ToolName.CALLBACK, "payment", Map.of("reason", "card"))).isFalse();
        assertThat(PaymentRequests.isPaymentRequest(ToolName.LOOKUP, "account_balance",
                Map.of("note", "payday discard"))).isFalse();
    }
}
