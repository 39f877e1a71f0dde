package dev.voiceagent.bridge.bench;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.support.tenant.ApiKeys;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * Load harness for the media path (run: {@code mvn -o -pl media-bridge-service test -Dtest=MediaRelayBenchmark
 * -Dbench=true}; {@code -Dbench.calls=1000 -Dbench.seconds=60 -Dbench.ramp-per-second=100}). N simulated calls: a
 * Twilio-side WebSocket client per call sends a 20 ms μ-law frame every 20 ms with its send time in the first 8
 * bytes and echoes marks like Twilio; a lightweight model-side server speaking the realtime protocol answers every
 * {@code input_audio_buffer.append} at once with a {@code response.output_audio.delta} re-stamped with its own send
 * time. Measured per direction: one-way latency through the bridge (p50/p95/p99/max), frames lost, heap per call,
 * process CPU. Everything shares one JVM and the machine's cores, so the figures are an upper bound on what the
 * bridge adds: they include the harness's own WebSocket work and two loopback hops per direction.
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.bridge.instance-id=bench",
        "voice.bridge.idle.prompt-after=0s",
        "voice.bridge.start-timeout=60s",
        "logging.level.dev.voiceagent=WARN",
        "logging.level.org.apache.kafka=WARN"})
@VoiceInfrastructure
// a benchmark runs for as long as it is asked to; the suite-wide test timeout is for tests
@Timeout(value = 3, unit = TimeUnit.HOURS)
class MediaRelayBenchmark {

    private static final int CALLS = Integer.getInteger("bench.calls", 1000);
    private static final int SECONDS = Integer.getInteger("bench.seconds", 60);
    private static final int RAMP_PER_SECOND = Integer.getInteger("bench.ramp-per-second", 100);
    private static final String TENANT = "bench-tenant";
    private static final int FRAME_BYTES = 160;
    private static final long MAX_MICROS = Duration.ofSeconds(30).toNanos() / 1000;

    private static final Recorder INBOUND = new Recorder(MAX_MICROS, 3);
    private static final Recorder OUTBOUND = new Recorder(MAX_MICROS, 3);
    private static final AtomicBoolean MEASURING = new AtomicBoolean();
    private static final AtomicLong MODEL_RECEIVED = new AtomicLong();
    private static final AtomicLong MODEL_SENT = new AtomicLong();
    private static final AtomicLong CLIENT_SENT = new AtomicLong();
    private static final AtomicLong CLIENT_RECEIVED = new AtomicLong();
    private static final AtomicInteger MODEL_SESSIONS = new AtomicInteger();
    private static final LoopResources HARNESS_LOOPS = LoopResources.create("bench", 2, true);
    private static final DisposableServer ECHO = HttpServer.create()
            .port(0)
            .runOn(HARNESS_LOOPS)
            .route(routes -> routes.ws("/v1/realtime", MediaRelayBenchmark::echo))
            .bindNow(Duration.ofSeconds(10));

    @DynamicPropertySource
    static void realtime(DynamicPropertyRegistry registry) {
        registry.add("voice.realtime.url", () -> "ws://localhost:" + ECHO.port() + "/v1/realtime");
    }

    @AfterAll
    static void stopEcho() {
        ECHO.disposeNow(Duration.ofSeconds(5));
    }

    @LocalServerPort
    int port;
    @Autowired
    TenantDirectory tenants;
    @Autowired
    MeterRegistry meters;
    @Autowired
    dev.voiceagent.bridge.session.SessionRegistry sessions;
    private static final java.util.Map<String, Integer> FAILURES = new java.util.concurrent.ConcurrentHashMap<>();

    // ---- the model side: echo every appended frame back as agent audio, re-stamped -----------------------------

    private static Mono<Void> echo(WebsocketInbound in, WebsocketOutbound out) {
        MODEL_SESSIONS.incrementAndGet();
        Flux<String> replies = in.receive().asString(StandardCharsets.UTF_8)
                .handle((frame, sink) -> {
                    String audio = field(frame, "\"audio\":\"");
                    if (audio == null) {
                        return;
                    }
                    long now = System.nanoTime();
                    MODEL_RECEIVED.incrementAndGet();
                    if (MEASURING.get()) {
                        INBOUND.recordValue(Math.max(0, Math.min(MAX_MICROS, (now - stampOf(audio)) / 1000)));
                    }
                    MODEL_SENT.incrementAndGet();
                    sink.next("{\"type\":\"response.output_audio.delta\",\"response_id\":\"resp_1\",\"item_id\":\"item_1\","
                            + "\"output_index\":0,\"content_index\":0,\"delta\":\"" + stamped(System.nanoTime()) + "\"}");
                });
        Flux<String> frames = Flux.concat(Mono.just("{\"type\":\"session.created\",\"session\":{\"id\":\"sess_bench\"}}"),
                replies);
        return out.sendString(frames, StandardCharsets.UTF_8).then();
    }

    // ---- the Twilio side: one client per call --------------------------------------------------------------

    private Mono<Void> call(HttpClient client, int index, Duration talkFor) {
        String callSid = String.format(Locale.ROOT, "CAbench%08d", index);
        String streamSid = String.format(Locale.ROOT, "MZbench%08d", index);
        return client.headers(h -> h.set("X-Voice-Call-Sid", callSid).set("X-Voice-Tenant-Id", TENANT)
                        .set("X-Voice-Agent-Key", "support").set("X-Voice-Caller", "+15555550100"))
                .websocket()
                .uri("ws://localhost:" + port + "/internal/v1/media-stream")
                .handle((in, out) -> twilio(in, out, callSid, streamSid, talkFor))
                .then();
    }

    private static Mono<Void> twilio(WebsocketInbound in, WebsocketOutbound out, String callSid, String streamSid,
                                     Duration talkFor) {
        Sinks.Many<String> marks = Sinks.many().unicast().onBackpressureBuffer();
        String mediaHead = "{\"event\":\"media\",\"streamSid\":\"" + streamSid
                + "\",\"media\":{\"track\":\"inbound\",\"chunk\":\"";
        Flux<String> media = Flux.interval(Duration.ofMillis(20), Duration.ofMillis(20))
                .take(talkFor.toMillis() / 20)
                // Twilio does not slow down for a slow reader: frames queue on the caller's side (and count as latency)
                .onBackpressureBuffer()
                .map(n -> {
                    CLIENT_SENT.incrementAndGet();
                    return mediaHead + n + "\",\"timestamp\":\"" + n * 20 + "\",\"payload\":\""
                            + stamped(System.nanoTime()) + "\"}}";
                });
        Flux<String> script = Flux.concat(
                Flux.just("{\"event\":\"connected\",\"protocol\":\"Call\",\"version\":\"1.0.0\"}", start(callSid, streamSid)),
                media,
                // let the last echoes come back before hanging up
                Mono.delay(Duration.ofSeconds(2)).thenReturn("{\"event\":\"stop\",\"streamSid\":\"" + streamSid
                        + "\",\"stop\":{\"accountSid\":\"ACbench\",\"callSid\":\"" + callSid + "\"}}"));
        Mono<Void> receiving = in.receive().asString(StandardCharsets.UTF_8)
                .doOnNext(frame -> onBridgeFrame(frame, marks))
                .then();
        Mono<Void> sending = out.sendString(Flux.merge(script, marks.asFlux()), StandardCharsets.UTF_8).then();
        // the bridge closes the socket after stop: receiving ends the call
        return Mono.firstWithSignal(receiving, sending.then(Mono.never()));
    }

    private static void onBridgeFrame(String frame, Sinks.Many<String> marks) {
        if (frame.startsWith("{\"event\":\"media\"") || frame.contains("\"event\":\"media\"")) {
            long now = System.nanoTime();
            CLIENT_RECEIVED.incrementAndGet();
            String payload = field(frame, "\"payload\":\"");
            if (payload != null && MEASURING.get()) {
                OUTBOUND.recordValue(Math.max(0, Math.min(MAX_MICROS, (now - stampOf(payload)) / 1000)));
            }
        } else if (frame.contains("\"event\":\"mark\"")) {
            // Twilio echoes each mark once the audio before it has played
            marks.emitNext(frame, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(50)));
        }
    }

    private static String start(String callSid, String streamSid) {
        return "{\"event\":\"start\",\"sequenceNumber\":\"1\",\"streamSid\":\"" + streamSid + "\",\"start\":{\"streamSid\":\""
                + streamSid + "\",\"accountSid\":\"ACbench\",\"callSid\":\"" + callSid + "\",\"tracks\":[\"inbound\"],"
                + "\"customParameters\":{},\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\",\"sampleRate\":8000,\"channels\":1}}}";
    }

    // ---- the run -------------------------------------------------------------------------------------------

    @Test
    void relaysAThousandConcurrentCallsWithinTheBudget() throws Exception {
        var runtime = new TenantConfigPublished.RuntimeConfig("gpt-realtime", "alloy", "support_default", 1,
                "Bench agent.", null, "en-US", null);
        tenants.apply(new TenantConfigPublished(TENANT, "Bench", true, List.of("+15550009999"), "UTC", runtime,
                List.of(ApiKeys.hash("bench-key")), List.of(new AgentView("support", "agv-bench", List.of(), null)), 1));
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        HttpClient client = HttpClient.create(ConnectionProvider.newConnection()).runOn(HARNESS_LOOPS);

        long heapBefore = usedHeapAfterGc(memory);
        Duration ramp = Duration.ofMillis(1000L * CALLS / RAMP_PER_SECOND);
        Duration talkFor = ramp.plusSeconds(SECONDS + 5);
        List<Disposable> calls = new ArrayList<>(CALLS);
        AtomicInteger ended = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long rampStart = System.nanoTime();
        for (int i = 0; i < CALLS; i++) {
            long due = rampStart + i * 1_000_000_000L / RAMP_PER_SECOND;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            // each call talks until the same wall-clock end
            Duration remaining = talkFor.minusNanos(System.nanoTime() - rampStart);
            calls.add(call(client, i, remaining).subscribe(v -> { }, e -> {
                FAILURES.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1, Integer::sum);
                failed.incrementAndGet();
                ended.incrementAndGet();
            }, ended::incrementAndGet));
        }
        Thread.sleep(3000);
        int established = MODEL_SESSIONS.get();
        long heapLive = usedHeapAfterGc(memory);
        System.out.printf("%nramp done: %d calls opened, %d bridge sessions live, %d model sessions, %d ended early %s%n",
                CALLS, sessions.size(), established, ended.get(), FAILURES);

        INBOUND.reset();
        OUTBOUND.reset();
        MEASURING.set(true);
        long cpuStart = os.getProcessCpuTime();
        long wallStart = System.nanoTime();
        long framesAtStart = MODEL_RECEIVED.get() + CLIENT_RECEIVED.get();
        List<Long> heapSamples = new ArrayList<>();
        for (int s = 0; s < SECONDS; s += 10) {
            Thread.sleep(Math.min(10, SECONDS - s) * 1000L);
            heapSamples.add(usedHeapAfterGc(memory));
        }
        long cpuNanos = os.getProcessCpuTime() - cpuStart;
        double cpuCores = cpuNanos / (double) (System.nanoTime() - wallStart);
        long framesRelayed = MODEL_RECEIVED.get() + CLIENT_RECEIVED.get() - framesAtStart;
        double systemLoad = os.getSystemLoadAverage();
        MEASURING.set(false);
        Histogram inbound = INBOUND.getIntervalHistogram();
        Histogram outbound = OUTBOUND.getIntervalHistogram();

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (ended.get() < CALLS && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        calls.forEach(Disposable::dispose);
        double dropped = meters.find("voice.bridge.frames.dropped").counter() == null ? 0
                : meters.find("voice.bridge.frames.dropped").counter().count();

        StringBuilder report = new StringBuilder();
        report.append(String.format(Locale.ROOT, "%n=== MediaRelayBenchmark: %d concurrent calls, %d s measured, %d cores ===%n",
                CALLS, SECONDS, Runtime.getRuntime().availableProcessors()));
        report.append(String.format(Locale.ROOT, "streams established: %d/%d model sessions (%d by the end of the "
                        + "ramp + 3 s), calls failed: %d %s%n", MODEL_SESSIONS.get(), CALLS, established, failed.get(),
                FAILURES));
        report.append(line("twilio -> model", inbound));
        report.append(line("model -> twilio", outbound));
        report.append(String.format(Locale.ROOT, "frames twilio->model: sent %d, received by model %d, lost %d%n",
                CLIENT_SENT.get(), MODEL_RECEIVED.get(), CLIENT_SENT.get() - MODEL_RECEIVED.get()));
        report.append(String.format(Locale.ROOT, "frames model->twilio: sent %d, received by caller %d, lost %d%n",
                MODEL_SENT.get(), CLIENT_RECEIVED.get(), MODEL_SENT.get() - CLIENT_RECEIVED.get()));
        report.append(String.format(Locale.ROOT, "bridge queue drops (voice_bridge_frames_dropped_total): %.0f%n", dropped));
        report.append(String.format(Locale.ROOT, "process CPU during the measured window: %.2f cores "
                + "(bridge + harness + echo model + Kafka + Postgres in one JVM)%n", cpuCores));
        report.append(String.format(Locale.ROOT, "per call: %.1f millicores; per media frame relayed (either "
                        + "direction, harness included): %.1f us CPU; %d frames relayed in the window; "
                        + "system load average at the end: %.1f%n", 1000 * cpuCores / CALLS,
                framesRelayed == 0 ? 0.0 : cpuNanos / 1000.0 / framesRelayed, framesRelayed, systemLoad));
        report.append(String.format(Locale.ROOT, "heap after GC: before %d MB, all calls live %d MB -> %.1f KB per call "
                        + "(bridge + harness client + echo server state)%n", heapBefore >> 20, heapLive >> 20,
                (heapLive - heapBefore) / 1024.0 / CALLS));
        report.append("heap after GC every 10 s while live (MB): ")
                .append(Arrays.toString(heapSamples.stream().mapToLong(h -> h >> 20).toArray())).append('\n');
        System.out.println(report);
    }

    private static String line(String direction, Histogram h) {
        return String.format(Locale.ROOT, "%s one-way latency (ms): n=%d p50=%.2f p95=%.2f p99=%.2f p99.9=%.2f max=%.2f%n",
                direction, h.getTotalCount(), h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(95) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
    }

    private static long usedHeapAfterGc(MemoryMXBean memory) throws InterruptedException {
        System.gc();
        Thread.sleep(200);
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** A 20 ms μ-law frame whose first 8 bytes carry {@code nanos}, base64. */
    private static String stamped(long nanos) {
        byte[] frame = new byte[FRAME_BYTES];
        Arrays.fill(frame, (byte) 0xFF);
        ByteBuffer.wrap(frame).putLong(nanos);
        return Base64.getEncoder().encodeToString(frame);
    }

    private static long stampOf(String base64) {
        return ByteBuffer.wrap(Base64.getDecoder().decode(base64.substring(0, 12))).getLong();
    }

    private static String field(String json, String prefix) {
        int start = json.indexOf(prefix);
        if (start < 0) {
            return null;
        }
        start += prefix.length();
        int end = json.indexOf('"', start);
        return end < 0 ? null : json.substring(start, end);
    }
}
