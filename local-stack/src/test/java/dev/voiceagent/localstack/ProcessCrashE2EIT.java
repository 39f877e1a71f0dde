package dev.voiceagent.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.contracts.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Crashes as a deployment has them: every service in a JVM of its own, and the consumer services killed outright
 * (SIGKILL) while calls are in progress — no graceful shutdown, no final offset commit, no flush — then started
 * again. Each must resume from its committed offsets, and the redelivered records must not take effect twice. And
 * the media bridge killed with calls on it: those calls cannot go on, but each caller hears an apology and each
 * call still gets exactly one outcome (the gateway's, as nobody else is left to give one). Counted end to end by
 * {@link CallLedger}.
 */
class ProcessCrashE2EIT {

    static final Duration RESUMED_WITHIN = Duration.ofSeconds(20);

    private static FaultDrill drill;

    @BeforeAll
    static void startStack() {
        LocalStackOptions options = LocalStackOptions.forTests().withSeparateProcesses(true);
        // the drill is about crash semantics, not speed: without the optimising compiler a service's JVM starts in
        // about half the time on two cores (8 s instead of 15), and the drill starts ten of them
        List<String> quickStart = new ArrayList<>(options.serviceJavaOptions());
        quickStart.add("-XX:TieredStopAtLevel=1");
        drill = new FaultDrill(LocalStack.start(options.withServiceJavaOptions(quickStart),
                Map.of("logging.level.org.apache.kafka", "ERROR",
                        // how long the gateway waits for a lost bridge's own outcome before it records one
                        "voice.gateway.bridge-loss-outcome-grace", "3s")));
    }

    @AfterAll
    static void stopStack() {
        if (drill != null) {
            drill.close();
        }
    }

    @Test
    void consumersKilledMidStreamResumeFromCommittedOffsetsWithoutDoubleEffects() throws Exception {
        LocalStack stack = drill.stack;
        List<String> calls = drill.placeCalls(6);
        // the scenario's tool calls come a few seconds into each call: the executor dies among them
        Thread.sleep(7000);
        long executor = stack.process("tool-executor-service").orElseThrow().pid();
        stack.killService("tool-executor-service");
        assertThat(ProcessHandle.of(executor)).as("the executor's JVM is gone").isEmpty();
        stack.startService("tool-executor-service");
        long restarted = System.nanoTime();
        // the dead member's partitions are free once its Kafka session expires (10 s, not the client's 45 s
        // default): the restarted executor answers the requests that waited within seconds of being ready
        await().atMost(RESUMED_WITHIN).pollInterval(Duration.ofMillis(250)).until(() -> unanswered(calls) == 0);
        Duration resumed = Duration.ofNanos(System.nanoTime() - restarted);
        System.out.println("tool requests answered " + resumed.toMillis() + " ms after the executor was ready again");
        // the outcomes (and the callbacks they promise) arrive while evaluation and callbacks are dead
        List<String> downstream = List.of("evaluation-service", "callback-service");
        downstream.forEach(stack::killService);
        Thread.sleep(3000);
        downstream.forEach(stack::startService);

        CallLedger.Tally tally = drill.settle(calls);
        drill.record("consumers killed (SIGKILL) mid-stream, each service in its own JVM (tools, evaluation, "
                + "callback)", 3, calls.size(), tally);
        assertThat(tally.problems()).as(tally.report("consumer kills")).isEmpty();
        assertThat(tally.lost()).isZero();
        assertThat(tally.duplicated()).isZero();
        assertThat(tally.in()).as("the calls used tools, spoke and were evaluated").isGreaterThan(calls.size() * 3L);
    }

    @Test
    void aBridgeKilledMidCallLeavesEachCallerAnApologyAndEachCallOneOutcome() throws Exception {
        LocalStack stack = drill.stack;
        List<String> calls = drill.placeCalls(3);
        // wait until the three are talking to the bridge
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                calls.stream().allMatch(sid -> stack.simulators().twilio().call(sid)
                        .map(call -> call.mediaFramesSent() > 0).orElse(false)));
        Thread.sleep(1500);
        stack.killService("media-bridge-service");
        stack.startService("media-bridge-service");

        CallLedger.Tally tally = drill.settle(calls);
        drill.record("media bridge killed (SIGKILL) with 3 calls on it", 1, calls.size(), tally);
        assertThat(tally.problems()).as(tally.report("bridge kill")).isEmpty();
        assertThat(tally.lost()).isZero();
        assertThat(tally.duplicated()).isZero();
        assertThat(tally.outcomes().values()).as("each call ended as failed by the lost bridge").containsOnly("failed");
        assertThat(calls).allSatisfy(sid -> assertThat(stack.simulators().twilio().call(sid).orElseThrow().says())
                .anySatisfy(said -> assertThat(said).contains("connection to our assistant was lost")));
        // the restarted bridge takes new calls
        CallLedger.Tally after = drill.settle(drill.placeCalls(1));
        assertThat(after.problems()).isEmpty();
        assertThat(after.outcomes().values()).doesNotContain("failed");
    }

    /** Tool requests of these calls without a completion on the results topic yet (-1 before the first request). */
    private static long unanswered(List<String> calls) {
        List<TopicRecorder.Seen> seen = drill.topics.poll().stream()
                .filter(s -> calls.contains(s.envelope().callSid())).toList();
        Set<String> requested = seen.stream().filter(s -> s.envelope().data() instanceof ToolRequested)
                .map(s -> ((ToolRequested) s.envelope().data()).toolCallId()).collect(Collectors.toSet());
        Set<String> answered = seen.stream().filter(s -> s.topic().equals(Topics.TOOL_RESULTS)
                        && s.envelope().data() instanceof ToolCompleted)
                .map(s -> ((ToolCompleted) s.envelope().data()).toolCallId()).collect(Collectors.toSet());
        return requested.isEmpty() ? -1 : requested.stream().filter(id -> !answered.contains(id)).count();
    }
}
