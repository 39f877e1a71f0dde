package dev.voiceagent.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.testkit.twilio.SimulatedCall;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * More calls than the media bridge holds, through the whole stack: the bridge (capacity two here) carries two, and
 * the others are refused at capacity — the gateway asks the bridge service again, then gives each refused caller an
 * apology, and records each refused call's outcome. Every call ends with exactly one outcome
 * and its evaluation, counted end to end by {@link CallLedger}.
 */
class BridgeCapacityE2EIT {

    private static FaultDrill drill;

    @BeforeAll
    static void startStack() {
        drill = new FaultDrill(LocalStack.start(LocalStackOptions.forTests(), Map.of(
                "logging.level.org.apache.kafka", "ERROR",
                "voice.bridge.max-sessions", "2",
                // how long the gateway waits for an outcome of the bridge's before it records its own
                "voice.gateway.bridge-loss-outcome-grace", "3s")));
    }

    @AfterAll
    static void stopStack() {
        if (drill != null) {
            drill.close();
        }
    }

    @Test
    void callsPastTheBridgesCapacityHearAnApologyAndEachCallGetsOneOutcome() throws Exception {
        List<String> calls = drill.placeCalls(4);

        CallLedger.Tally tally = drill.settle(calls);
        drill.record("four calls at once on a bridge that holds two", 1, calls.size(), tally);
        assertThat(tally.problems()).as(tally.report("capacity")).isEmpty();
        assertThat(tally.lost()).isZero();
        assertThat(tally.duplicated()).isZero();

        List<SimulatedCall> ended = calls.stream()
                .map(sid -> drill.stack.simulators().twilio().call(sid).orElseThrow()).toList();
        List<SimulatedCall> refused = ended.stream()
                .filter(call -> call.says().stream().anyMatch(said -> said.contains("cannot take your call"))).toList();
        // the apology's new instructions end the stream at Twilio (the gateway's 1013 follows it to a closed stream)
        assertThat(refused).as("the two calls past the capacity").hasSize(2)
                .allSatisfy(call -> assertThat(call.endedBy()).isEqualTo("twiml"));
        assertThat(refused).allSatisfy(call -> assertThat(tally.outcomes().get(call.sid())).isEqualTo("failed"));
        assertThat(ended).filteredOn(call -> !refused.contains(call))
                .allSatisfy(call -> assertThat(tally.outcomes().get(call.sid())).isNotEqualTo("failed"));
    }
}
