package dev.voiceagent.localstack;

import org.junit.jupiter.api.Timeout;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.VoiceEvent;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Soak: a fixed number of simulated callers, each placing whole calls one after another (make-call through the
 * gateway, the Twilio simulator, the bridge, the realtime simulator's account-lookup scenario with two tool calls
 * over Kafka, outcome, evaluation, callback task) for a set duration. Prints the error rate, latency percentiles
 * (make-call answer, time to first agent audio, tool execution, whole call) and, at start and end, memory: with
 * {@code -Dsoak.processes=true} each service runs in a JVM of its own and the report has each one's heap after a
 * full GC, resident set, threads and CPU time; otherwise the heap of the one JVM all six share. Runs only with
 * {@code -Dbench=true}: {@code mvn -o -pl local-stack verify -Dtest=SoakBenchmark -Dbench=true
 * -Dsoak.duration=PT10M -Dsoak.calls=200 -Dsoak.processes=true}.
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
// a benchmark runs for as long as it is asked to; the suite-wide test timeout is for tests
@Timeout(value = 3, unit = TimeUnit.HOURS)
class SoakBenchmark {

    static final Duration DURATION = Duration.parse(System.getProperty("soak.duration", "PT10M"));
    static final int CALLERS = Integer.getInteger("soak.calls", 200);
    static final boolean PROCESSES = Boolean.getBoolean("soak.processes");
    static final Duration CALL_LIMIT = Duration.ofSeconds(90);
    /** Outcomes that mean the call did not serve the caller (the scenario resolves or books a callback). */
    static final java.util.Set<Outcome> FAILURES = java.util.EnumSet.of(Outcome.FAILED, Outcome.ABANDONED,
            Outcome.NO_ANSWER);
    static final Pattern CALL_SID = Pattern.compile("\"call_sid\"\\s*:\\s*\"(CA[0-9a-f]+)\"");

    /** What the harness learns about one call from the outcome topic. */
    record Finished(long atNanos, SessionOutcome outcome) {
    }

    private final Map<String, Finished> finished = new ConcurrentHashMap<>();
    private final List<Long> toolLatencies = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> makeCallMs = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> wholeCallMs = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> firstAudioMs = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong placed = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();
    private final AtomicLong failedOutcome = new AtomicLong();
    private final Map<Outcome, AtomicLong> outcomes = new ConcurrentHashMap<>();
    private final AtomicLong toolFailures = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);

    @Test
    void soak() throws Exception {
        try (LocalStack stack = LocalStack.start(LocalStackOptions.forTests().withSeparateProcesses(PROCESSES),
                Map.of("voice.gateway.limits.enabled", "false"))) {
            Thread watcher = new Thread(() -> watch(stack.kafkaBootstrapServers()), "soak-watcher");
            watcher.start();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            System.out.println("soak: " + CALLERS + " concurrent callers for " + DURATION
                    + (PROCESSES ? ", each service in its own JVM" : ", the six services in this JVM"));
            String start = memory(stack, "start");
            long started = System.nanoTime();
            long deadline = started + DURATION.toNanos();
            ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
            CountDownLatch done = new CountDownLatch(CALLERS);
            for (int i = 0; i < CALLERS; i++) {
                long stagger = i * 50L;
                callers.submit(() -> {
                    try {
                        Thread.sleep(stagger);
                        while (System.nanoTime() < deadline) {
                            oneCall(http, stack);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        done.countDown();
                    }
                });
            }
            done.await(DURATION.toSeconds() + CALL_LIMIT.toSeconds() + 60, TimeUnit.SECONDS);
            callers.shutdownNow();
            double seconds = (System.nanoTime() - started) / 1e9;
            String end = memory(stack, "end");
            running.set(false);
            watcher.join(5000);
            report(seconds, start, end);
        }
    }

    private void oneCall(HttpClient http, LocalStack stack) throws InterruptedException {
        long begin = System.nanoTime();
        String callSid;
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(stack.gatewayUrl()
                            + "/api/v1/make-call"))
                    .timeout(Duration.ofSeconds(15))
                    .header("x-api-key", stack.options().tenantApiKey())
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"to\":\"+15555550100\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            Matcher sid = CALL_SID.matcher(response.body());
            if (response.statusCode() / 100 != 2 || !sid.find()) {
                rejected.incrementAndGet();
                Thread.sleep(1000);
                return;
            }
            callSid = sid.group(1);
        } catch (java.io.IOException e) {
            rejected.incrementAndGet();
            Thread.sleep(1000);
            return;
        }
        placed.incrementAndGet();
        makeCallMs.add((System.nanoTime() - begin) / 1_000_000);
        long limit = System.nanoTime() + CALL_LIMIT.toNanos();
        while (System.nanoTime() < limit) {
            Finished f = finished.remove(callSid);
            if (f != null) {
                wholeCallMs.add((f.atNanos() - begin) / 1_000_000);
                if (f.outcome().timeToFirstAudioMs() != null) {
                    firstAudioMs.add(f.outcome().timeToFirstAudioMs());
                }
                Outcome outcome = f.outcome().outcome();
                outcomes.computeIfAbsent(outcome, o -> new AtomicLong()).incrementAndGet();
                if (FAILURES.contains(outcome)) {
                    failedOutcome.incrementAndGet();
                }
                return;
            }
            Thread.sleep(200);
        }
        timedOut.incrementAndGet();
    }

    /** Reads outcomes and tool results only, keeping numbers, so the harness itself holds little memory. */
    private void watch(String bootstrap) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "soak-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(List.of(Topics.OUTCOMES, Topics.TOOL_RESULTS));
            while (running.get()) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    long now = System.nanoTime();
                    EventCodec.decode(record.value()).ifPresent(envelope -> note(envelope, now));
                }
            }
        }
    }

    private void note(EventEnvelope<VoiceEvent> envelope, long now) {
        if (envelope.data() instanceof SessionOutcome outcome) {
            finished.put(envelope.callSid(), new Finished(now, outcome));
        } else if (envelope.data() instanceof ToolCompleted done) {
            toolLatencies.add(done.latencyMs());
            if (!ToolCompleted.OK.equals(done.status())) {
                toolFailures.incrementAndGet();
            }
        }
    }

    /** Each service's live objects by class at the start, to name what grew by the end. */
    private final Map<String, Map<String, Long>> histograms = new java.util.LinkedHashMap<>();

    private String memory(LocalStack stack, String when) {
        if (PROCESSES) {
            StringBuilder table = new StringBuilder(ServiceFootprint.table(stack, when));
            for (String service : stack.serviceNames()) {
                stack.process(service).ifPresent(process -> {
                    Map<String, Long> now = ServiceFootprint.classHistogram(process.pid());
                    Map<String, Long> before = histograms.putIfAbsent(service, now);
                    if (before != null) {
                        table.append(String.format("%n  %-22s grew most: %s", service,
                                ServiceFootprint.grown(before, now, 6)));
                    }
                });
            }
            System.out.println("soak " + table);
            return table.toString();
        }
        System.gc();
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        int sessions = stack.context("media-bridge-service").orElseThrow()
                .getBean(dev.voiceagent.bridge.session.SessionRegistry.class).size();
        String line = String.format("%s: heap used %d MiB of %d MiB committed (one JVM, six services, simulators), "
                        + "threads %d, live bridge sessions %d, simulated calls kept %d", when,
                heap.getUsed() >> 20, heap.getCommitted() >> 20, ManagementFactory.getThreadMXBean().getThreadCount(),
                sessions, stack.simulators().twilio().calls().size());
        System.out.println("soak " + line);
        return line;
    }

    private void report(double seconds, String start, String end) {
        long calls = placed.get();
        long errors = rejected.get() + timedOut.get() + failedOutcome.get();
        System.out.printf("%nsoak over %.0f s, %d callers: %d calls placed (%.1f/s), %d make-call rejected, "
                        + "%d not finished in %d s, %d failed/abandoned -> error rate %.2f %%; outcomes %s; "
                        + "%d tool results, %d not ok%n",
                seconds, CALLERS, calls, calls / seconds, rejected.get(), timedOut.get(), CALL_LIMIT.toSeconds(),
                failedOutcome.get(), 100.0 * errors / Math.max(1, calls + rejected.get()), outcomes,
                toolLatencies.size(), toolFailures.get());
        System.out.println(percentiles("make-call answer (ms)", makeCallMs));
        System.out.println(percentiles("time to first agent audio (ms)", firstAudioMs));
        System.out.println(percentiles("tool execution (ms)", toolLatencies));
        System.out.println(percentiles("whole call, make-call to outcome (ms)", wholeCallMs));
        System.out.println("  " + start);
        System.out.println("  " + end);
    }

    private static String percentiles(String what, List<Long> values) {
        List<Long> sorted;
        synchronized (values) {
            sorted = new ArrayList<>(values);
        }
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            return "  " + what + ": none";
        }
        return String.format("  %-40s n=%d p50 %d p95 %d p99 %d max %d", what, sorted.size(), at(sorted, 0.50),
                at(sorted, 0.95), at(sorted, 0.99), sorted.get(sorted.size() - 1));
    }

    private static long at(List<Long> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }
}
