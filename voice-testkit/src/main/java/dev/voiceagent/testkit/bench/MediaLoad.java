package dev.voiceagent.testkit.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import java.util.function.BiFunction;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
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
 * A load harness for the media path, shared by the bridge's own benchmark and the one through the gateway. N
 * simulated calls: a Twilio-side WebSocket client per call sends a 20 ms μ-law frame every 20 ms with its send time
 * in the first 8 bytes and echoes marks like Twilio; a lightweight model-side server speaking the realtime protocol
 * answers every {@code input_audio_buffer.append} at once with a {@code response.output_audio.delta} re-stamped with
 * its own send time. Measured per direction: one-way latency (p50/p95/p99/max), frames lost, heap per call and
 * process CPU. Everything shares one JVM and the machine's cores, so the figures are an upper bound on what the
 * services add: they include the harness's own WebSocket work and the loopback hops.
 */
public final class MediaLoad implements AutoCloseable {

    private static final int FRAME_BYTES = 160;
    private static final long MAX_MICROS = Duration.ofSeconds(30).toNanos() / 1000;
    /** How long after the ramp every call's session may take to start before measuring begins anyway. */
    private static final Duration START_WAIT = Duration.ofSeconds(60);
    /** After the last session start: for audio that waited on a slow start to drain before the window opens. */
    private static final Duration SETTLE = Duration.ofSeconds(3);

    /** How one simulated call reaches the media stream: its URL, and its {@code start} message's extras. */
    public record Stream(URI url, Map<String, String> headers, Map<String, String> customParameters) {
    }

    /**
     * What the run reads from the services under test: live bridge sessions, frames the bridge dropped, and frames
     * the bridge took from the caller's stream for the model (which splits a loss on the way to the model into
     * before the bridge's session and after it), and, when the bridge runs in a JVM of its own, its heap used after
     * a full collection in bytes ({@code null} otherwise: the harness's own heap then includes the bridge).
     */
    public record Probes(IntSupplier liveSessions, DoubleSupplier droppedFrames, DoubleSupplier relayedToModel,
                         LongSupplier bridgeHeapAfterGc) {

        /** Probes of a bridge in this JVM. */
        public Probes(IntSupplier liveSessions, DoubleSupplier droppedFrames, DoubleSupplier relayedToModel) {
            this(liveSessions, droppedFrames, relayedToModel, null);
        }

        /** The bridge's heap after a full collection, or -1 when it is not in a JVM of its own. */
        long bridgeHeap() {
            return bridgeHeapAfterGc == null ? -1 : bridgeHeapAfterGc.getAsLong();
        }
    }

    private final Recorder inbound = new Recorder(MAX_MICROS, 3);
    private final Recorder outbound = new Recorder(MAX_MICROS, 3);
    private final AtomicBoolean measuring = new AtomicBoolean();
    private final AtomicLong modelReceived = new AtomicLong();
    private final AtomicLong modelSent = new AtomicLong();
    private final AtomicLong clientSent = new AtomicLong();
    private final AtomicLong clientReceived = new AtomicLong();
    private final AtomicInteger modelSessions = new AtomicInteger();
    /** Calls that have received at least one echoed frame. */
    private final AtomicInteger callsEchoed = new AtomicInteger();
    /** The calls the last run's platform carried (neither refused nor failed): the per-call figures divide by it. */
    private volatile int carried;
    /** Calls the platform refused at capacity (close 1013): their frames are not counted as sent. */
    private final AtomicInteger refused = new AtomicInteger();
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private final LoopResources loops = LoopResources.create("bench", 2, true);
    private final DisposableServer echo;

    public MediaLoad() {
        this.echo = HttpServer.create().port(0).runOn(loops)
                .route(routes -> routes.ws("/v1/realtime", this::echo))
                .bindNow(Duration.ofSeconds(10));
    }

    /** The realtime URL the media bridge should use to reach the echo model. */
    public String modelUrl() {
        return "ws://localhost:" + echo.port() + "/v1/realtime";
    }

    @Override
    public void close() {
        echo.disposeNow(Duration.ofSeconds(5));
        loops.disposeLater().block(Duration.ofSeconds(5));
    }

    // ---- the model side: echo every appended frame back as agent audio, re-stamped -----------------------------

    private Mono<Void> echo(WebsocketInbound in, WebsocketOutbound out) {
        modelSessions.incrementAndGet();
        Flux<String> replies = in.receive().asString(StandardCharsets.UTF_8)
                .handle((frame, sink) -> {
                    String audio = field(frame, "\"audio\":\"");
                    if (audio == null) {
                        return;
                    }
                    long now = System.nanoTime();
                    modelReceived.incrementAndGet();
                    if (measuring.get()) {
                        inbound.recordValue(Math.max(0, Math.min(MAX_MICROS, (now - stampOf(audio)) / 1000)));
                    }
                    modelSent.incrementAndGet();
                    sink.next("{\"type\":\"response.output_audio.delta\",\"response_id\":\"resp_1\",\"item_id\":\"item_1\","
                            + "\"output_index\":0,\"content_index\":0,\"delta\":\"" + stamped(System.nanoTime()) + "\"}");
                });
        Flux<String> frames = Flux.concat(Mono.just("{\"type\":\"session.created\",\"session\":{\"id\":\"sess_bench\"}}"),
                replies);
        return out.sendString(frames, StandardCharsets.UTF_8).then();
    }

    // ---- the Twilio side: one client per call --------------------------------------------------------------

    private Mono<Void> call(HttpClient client, Stream stream, String callSid, String streamSid, Mono<Void> hangUp) {
        return client.headers(h -> stream.headers().forEach(h::set))
                .websocket()
                .uri(stream.url())
                .handle((in, out) -> twilio(in, out, callSid, streamSid, stream.customParameters(), hangUp))
                .then();
    }

    /** One caller: connected, start, a media frame every 20 ms until {@code hangUp}, then stop. */
    private Mono<Void> twilio(WebsocketInbound in, WebsocketOutbound out, String callSid, String streamSid,
                              Map<String, String> parameters, Mono<Void> hangUp) {
        Sinks.Many<String> marks = Sinks.many().unicast().onBackpressureBuffer();
        AtomicLong sentHere = new AtomicLong();
        AtomicBoolean refusedHere = new AtomicBoolean();
        String mediaHead = "{\"event\":\"media\",\"streamSid\":\"" + streamSid
                + "\",\"media\":{\"track\":\"inbound\",\"chunk\":\"";
        Flux<String> media = Flux.interval(Duration.ofMillis(20), Duration.ofMillis(20))
                .takeUntilOther(hangUp)
                // Twilio does not slow down for a slow reader: frames queue on the caller's side (and count as latency)
                .onBackpressureBuffer()
                .map(n -> {
                    clientSent.incrementAndGet();
                    sentHere.incrementAndGet();
                    return mediaHead + n + "\",\"timestamp\":\"" + n * 20 + "\",\"payload\":\""
                            + stamped(System.nanoTime()) + "\"}}";
                });
        Flux<String> script = Flux.concat(
                Flux.just("{\"event\":\"connected\",\"protocol\":\"Call\",\"version\":\"1.0.0\"}",
                        start(callSid, streamSid, parameters)),
                media,
                // let the last echoes come back before hanging up
                Mono.delay(Duration.ofSeconds(2)).thenReturn("{\"event\":\"stop\",\"streamSid\":\"" + streamSid
                        + "\",\"stop\":{\"accountSid\":\"ACbench\",\"callSid\":\"" + callSid + "\"}}"));
        AtomicBoolean echoed = new AtomicBoolean();
        Mono<Void> receiving = in.receive().asString(StandardCharsets.UTF_8)
                .doOnNext(frame -> onServiceFrame(frame, marks, echoed))
                .then();
        // a platform at capacity refuses the call with 1013 (try again later): not a loss, counted apart
        Mono<Void> closing = in.receiveCloseStatus()
                .doOnNext(status -> refusedHere.set(status.code() == 1013))
                .then();
        Mono<Void> sending = out.sendString(Flux.merge(script, marks.asFlux()), StandardCharsets.UTF_8).then();
        // the service closes the socket after stop: receiving ends the call
        return Mono.firstWithSignal(Mono.when(receiving, closing), sending.then(Mono.never()))
                .doFinally(signal -> {
                    if (refusedHere.get()) {
                        refused.incrementAndGet();
                        clientSent.addAndGet(-sentHere.get());
                    }
                });
    }

    private void onServiceFrame(String frame, Sinks.Many<String> marks, AtomicBoolean echoed) {
        if (frame.contains("\"event\":\"media\"")) {
            long now = System.nanoTime();
            clientReceived.incrementAndGet();
            if (!echoed.get() && echoed.compareAndSet(false, true)) {
                callsEchoed.incrementAndGet();
            }
            String payload = field(frame, "\"payload\":\"");
            if (payload != null && measuring.get()) {
                outbound.recordValue(Math.max(0, Math.min(MAX_MICROS, (now - stampOf(payload)) / 1000)));
            }
        } else if (frame.contains("\"event\":\"mark\"")) {
            // Twilio echoes each mark once the audio before it has played
            marks.emitNext(frame, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(50)));
        }
    }

    private static String start(String callSid, String streamSid, Map<String, String> parameters) {
        StringBuilder custom = new StringBuilder();
        parameters.forEach((name, value) -> custom.append(custom.length() == 0 ? "" : ",")
                .append('"').append(name).append("\":\"").append(value).append('"'));
        return "{\"event\":\"start\",\"sequenceNumber\":\"1\",\"streamSid\":\"" + streamSid + "\",\"start\":{\"streamSid\":\""
                + streamSid + "\",\"accountSid\":\"ACbench\",\"callSid\":\"" + callSid + "\",\"tracks\":[\"inbound\"],"
                + "\"customParameters\":{" + custom + "},\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\","
                + "\"sampleRate\":8000,\"channels\":1}}}";
    }

    // ---- the run -------------------------------------------------------------------------------------------

    /** The calls the last {@link #run} carried, neither refused at capacity nor failed. */
    public int callsCarried() {
        return carried;
    }

    /**
     * Ramps up {@code calls} calls at {@code rampPerSecond}, measures for {@code seconds} while they all talk, lets
     * them hang up and answers the printed report. {@code stream} gives each call (by index and call SID) its way in.
     */
    public String run(String title, int calls, int seconds, int rampPerSecond,
                      BiFunction<Integer, String, Stream> stream, Probes probes)
            throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        HttpClient client = HttpClient.create(ConnectionProvider.newConnection()).runOn(loops);

        long heapBefore = usedHeapAfterGc(memory);
        long bridgeBefore = probes.bridgeHeap();
        // every call talks until the measured window has closed, then all hang up together
        Sinks.Empty<Void> hangUp = Sinks.empty();
        List<Disposable> running = new ArrayList<>(calls);
        AtomicInteger ended = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long rampStart = System.nanoTime();
        long run = System.currentTimeMillis();
        for (int i = 0; i < calls; i++) {
            long due = rampStart + i * 1_000_000_000L / rampPerSecond;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            // Twilio-shaped SIDs (two letters, 32 hex digits), unique per run
            String callSid = String.format(Locale.ROOT, "CA%08x%024x", i, run);
            String streamSid = String.format(Locale.ROOT, "MZ%08x%024x", i, run);
            Stream way;
            try {
                way = stream.apply(i, callSid);
            } catch (RuntimeException e) {
                // a call the platform did not answer (its webhook failed or timed out) is a failed call, not the end
                // of the run: past what the machine can carry, the report says how many calls got through
                failures.merge("not answered: " + e.getClass().getSimpleName() + ": " + e.getMessage(), 1, Integer::sum);
                failed.incrementAndGet();
                ended.incrementAndGet();
                continue;
            }
            running.add(call(client, way, callSid, streamSid, hangUp.asMono()).subscribe(v -> { }, e -> {
                failures.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1, Integer::sum);
                failed.incrementAndGet();
                ended.incrementAndGet();
            }, ended::incrementAndGet));
        }
        Thread.sleep(3000);
        int established = modelSessions.get();
        System.out.printf("%nramp done: %d calls opened, %d bridge sessions live, %d model sessions, %d ended early %s%n",
                calls, probes.liveSessions().getAsInt(), established, ended.get(), failures);
        // The window measures calls in their stride: it opens once every call has heard the model (its whole path is
        // up: gateway, bridge session, model session) and the audio that waited for a slow start (a cold service's
        // first calls take seconds) has drained. Otherwise the window's tail is the ramp's backlog, not the relay.
        long settleDeadline = System.nanoTime() + START_WAIT.toNanos();
        while (callsEchoed.get() < calls - ended.get() && System.nanoTime() < settleDeadline) {
            Thread.sleep(100);
        }
        double allStarted = (System.nanoTime() - rampStart) / 1e9;
        // the bridge's full collection (when it has a JVM of its own) comes before the settling time, not in the window
        long bridgeLiveStart = probes.bridgeHeap();
        Thread.sleep(SETTLE.toMillis());
        System.out.printf("every call heard its first echo %.1f s after the ramp began (%d of %d calls); measuring "
                + "from %.1f s%n", allStarted, callsEchoed.get(), calls, (System.nanoTime() - rampStart) / 1e9);
        long heapLive = usedHeapAfterGc(memory);

        inbound.reset();
        outbound.reset();
        measuring.set(true);
        long cpuStart = os.getProcessCpuTime();
        long wallStart = System.nanoTime();
        long framesAtStart = modelReceived.get() + clientReceived.get();
        List<Long> heapSamples = new ArrayList<>();
        int step = Math.max(10, seconds / 10);
        for (int s = 0; s < seconds; s += step) {
            Thread.sleep(Math.min(step, seconds - s) * 1000L);
            heapSamples.add(usedHeapAfterGc(memory));
        }
        long cpuNanos = os.getProcessCpuTime() - cpuStart;
        double cpuCores = cpuNanos / (double) (System.nanoTime() - wallStart);
        long framesRelayed = modelReceived.get() + clientReceived.get() - framesAtStart;
        double systemLoad = os.getSystemLoadAverage();
        measuring.set(false);
        Histogram in = inbound.getIntervalHistogram();
        Histogram out = outbound.getIntervalHistogram();
        long bridgeLiveEnd = probes.bridgeHeap();
        hangUp.tryEmitEmpty();

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (ended.get() < calls && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        running.forEach(Disposable::dispose);

        // the calls the platform carried: per-call figures are theirs, not those of calls it refused or never answered
        carried = Math.max(1, calls - refused.get() - failed.get());
        StringBuilder report = new StringBuilder();
        report.append(String.format(Locale.ROOT, "%n=== %s: %d concurrent calls, %d s measured, %d cores ===%n",
                title, calls, seconds, Runtime.getRuntime().availableProcessors()));
        report.append(String.format(Locale.ROOT, "streams established: %d/%d model sessions (%d by the end of the "
                + "ramp + 3 s), calls failed: %d %s%n", modelSessions.get(), calls, established, failed.get(), failures));
        report.append(String.format(Locale.ROOT, "calls refused at capacity (close 1013, their frames not counted "
                + "below): %d%n", refused.get()));
        report.append(line("twilio -> model", in));
        report.append(line("model -> twilio", out));
        report.append(String.format(Locale.ROOT, "frames twilio->model: sent %d, received by model %d, lost %d%n",
                clientSent.get(), modelReceived.get(), clientSent.get() - modelReceived.get()));
        report.append(String.format(Locale.ROOT, "frames model->twilio: sent %d, received by caller %d, lost %d%n",
                modelSent.get(), clientReceived.get(), modelSent.get() - clientReceived.get()));
        report.append(String.format(Locale.ROOT, "bridge queue drops (voice_bridge_frames_dropped_total): %.0f%n",
                probes.droppedFrames().getAsDouble()));
        long relayed = (long) probes.relayedToModel().getAsDouble();
        report.append(String.format(Locale.ROOT, "frames the bridge's sessions took for the model "
                        + "(voice_bridge_frames_relayed_total{twilio_to_model}): %d; lost before them %d, after them %d%n",
                relayed, clientSent.get() - relayed, relayed - modelReceived.get()));
        report.append(String.format(Locale.ROOT, "process CPU during the measured window: %.2f cores (services, "
                + "harness, echo model and Kafka in one JVM; Postgres in its own processes)%n", cpuCores));
        report.append(String.format(Locale.ROOT, "per call: %.1f millicores; per media frame relayed (either "
                        + "direction, harness included): %.1f us CPU; %d frames relayed in the window; "
                        + "system load average at the end: %.1f%n", 1000 * cpuCores / carried,
                framesRelayed == 0 ? 0.0 : cpuNanos / 1000.0 / framesRelayed, framesRelayed, systemLoad));
        report.append(String.format(Locale.ROOT, "heap after GC: before %d MB, all calls live %d MB -> %.1f KB per call "
                        + "(services + harness client + echo server state)%n", heapBefore >> 20, heapLive >> 20,
                (heapLive - heapBefore) / 1024.0 / carried));
        report.append("heap after GC every ").append(step).append(" s while live (MB): ")
                .append(Arrays.toString(heapSamples.stream().mapToLong(h -> h >> 20).toArray())).append('\n');
        if (bridgeBefore >= 0) {
            report.append(String.format(Locale.ROOT, "bridge heap after GC (its own JVM): before the calls %.1f MB, "
                            + "all calls live at the window's start %.1f MB and at its end %.1f MB -> %.1f KB per call; "
                            + "%+.1f MB over the %d s window%n", bridgeBefore / 1048576.0, bridgeLiveStart / 1048576.0,
                    bridgeLiveEnd / 1048576.0, (bridgeLiveStart - bridgeBefore) / 1024.0 / carried,
                    (bridgeLiveEnd - bridgeLiveStart) / 1048576.0, seconds));
        }
        return report.toString();
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
