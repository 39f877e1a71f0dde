package dev.voiceagent.bridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.contracts.TranscriptTurn;
import dev.voiceagent.support.secrets.ArgumentSealer;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SealedPinsTest {

    static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);
    static final ToolRequested LOOKUP = new ToolRequested("call_1", "lookup",
            Map.of("account_number", "4417", "pin", "2468"), "v1", "billing", "+15555550100", "voice.tool.replies.b1");

    private static EventEnvelope<ToolRequested> envelope(ToolRequested request) {
        return EventEnvelope.of("media-bridge-service", "demo", "CA1", request);
    }

    @Test
    void aPinLeavesTheBridgeOnlySealedForItsRequest() {
        ArgumentSealer sealer = ArgumentSealer.of(List.of(KEY));
        EventEnvelope<ToolRequested> original = envelope(LOOKUP);

        EventEnvelope<?> sent = new SealedPins(sealer).sealed(original);

        ToolRequested request = (ToolRequested) sent.data();
        assertThat(sent.id()).isEqualTo(original.id());
        assertThat(request.arguments()).containsEntry("account_number", "4417");
        assertThat(String.valueOf(request.arguments().get("pin"))).startsWith(ArgumentSealer.PREFIX)
                .doesNotContain("2468");
        assertThat(EventCodec.encode(sent)).doesNotContain("2468");
        assertThat(sealer.open(request.arguments().get("pin"), ArgumentSealer.binding("demo", "CA1", "call_1")))
                .contains("2468");
        assertThat(sealer.open(request.arguments().get("pin"), ArgumentSealer.binding("demo", "CA1", "call_2")))
                .as("bound to its tool call").isEmpty();
    }

    @Test
    void withoutKeysThePinIsLeftOutRatherThanSentInTheClear() {
        EventEnvelope<?> sent = new SealedPins(ArgumentSealer.of(List.of())).sealed(envelope(LOOKUP));

        assertThat(((ToolRequested) sent.data()).arguments()).isEqualTo(Map.of("account_number", "4417"));
    }

    @Test
    void everythingElseGoesAsItIs() {
        SealedPins pins = new SealedPins(ArgumentSealer.of(List.of(KEY)));
        EventEnvelope<ToolRequested> noPin = envelope(new ToolRequested("call_2", "lookup",
                Map.of("account_number", "4417"), "v1", "billing", "+15555550100", "voice.tool.replies.b1"));
        EventEnvelope<TranscriptTurn> turn = EventEnvelope.of("media-bridge-service", "demo", "CA1",
                new TranscriptTurn(TranscriptTurn.CALLER, "2468", "item_1", 0, 10));

        assertThat(pins.sealed(noPin)).isSameAs(noPin);
        assertThat(pins.sealed(turn)).isSameAs(turn);
    }
}
