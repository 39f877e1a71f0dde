package dev.voiceagent.localstack;

import dev.voiceagent.bridge.session.SessionRegistry;
import dev.voiceagent.testkit.bench.MediaLoad;
import dev.voiceagent.testkit.twilio.TwilioSignatures;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The media load through the gateway: each of {@link MediaLoad}'s Twilio-format callers is announced by a signed
 * {@code incoming-call} webhook (call log, agent version, media token), then opens the TwiML's stream URL with the
 * token as its custom parameter, as Twilio does; the gateway checks it and relays the stream to the media bridge, and
 * the bridge talks to the harness's echo model — every hop of a real call's audio, with the whole local stack (six
 * services, Kafka, Postgres) running. Run: {@code mvn -o -pl local-stack verify
 * -Dtest=GatewayMediaRelayBenchmark -Dbench=true -Dbench.calls=100 -Dbench.seconds=600}. With
 * {@code -Dbench.processes=true} each service runs in its own JVM and the report adds each one's CPU over the run
 * and its memory before and after, so the bridge's and the gateway's cost per call are their own.
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
// a benchmark runs for as long as it is asked to; the suite-wide test timeout is for tests
@Timeout(value = 3, unit = TimeUnit.HOURS)
class GatewayMediaRelayBenchmark {

    private static final int CALLS = Integer.getInteger("bench.calls", 1000);
    private static final int SECONDS = Integer.getInteger("bench.seconds", 60);
    private static final int RAMP_PER_SECOND = Integer.getInteger("bench.ramp-per-second", 100);
    private static final boolean PROCESSES = Boolean.getBoolean("bench.processes");
    /** {@code -Dbench.max-sessions=N}: the bridge's capacity (its default otherwise); calls past it are refused. */
    private static final String MAX_SESSIONS = System.getProperty("bench.max-sessions", "500");
    /** {@code -Dbench.prewarm=false}: model sessions open when the stream starts instead of at incoming-call. */
    private static final String PREWARM = System.getProperty("bench.prewarm", "true");
    /** JVM options of each service's own JVM, e.g. {@code -Dbench.service-java-opts="-Xmx512m -XX:+UseParallelGC"}. */
    private static final String SERVICE_JAVA_OPTS = System.getProperty("bench.service-java-opts",
            LocalStackOptions.DEFAULT_SERVICE_JAVA_OPTS);
    private static final Pattern STREAM_URL = Pattern.compile("<Stream[^>]*url=\"([^\"]+)\"");
    private static final Pattern TOKEN = Pattern.compile("<Parameter[^>]*name=\"token\"[^>]*value=\"([^\"]+)\"");

    @Test
    void relaysConcurrentCallsThroughTheGatewayAndTheBridge() throws Exception {
        try (MediaLoad load = new MediaLoad();
             LocalStack stack = LocalStack.start(LocalStackOptions.forTests().withSeparateProcesses(PROCESSES)
                     .withServiceJavaOptions(java.util.List.of(SERVICE_JAVA_OPTS.trim().split("\\s+"))), Map.of(
                     "voice.realtime.url", load.modelUrl(),
                     "voice.gateway.limits.enabled", "false",
                     "voice.gateway.prewarm.enabled", PREWARM,
                     "voice.bridge.idle.prompt-after", "0s",
                     "voice.bridge.start-timeout", "60s",
                     // a 2-core bridge taking streams at the ramp's rate may accept one after the production
                     // default: the bench measures relay latency, and a stream counted as lost for it would not be
                     "voice.gateway.bridge-connect-timeout", "60s",
                     "voice.bridge.max-sessions", MAX_SESSIONS,
                     "logging.level.org.apache.kafka", "WARN"))) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String before = PROCESSES ? ServiceFootprint.table(stack, "before the calls") : "";
            Map<String, ServiceFootprint.Cpu> cpuBefore = PROCESSES ? ServiceFootprint.cpu(stack) : Map.of();
            Map<String, ServiceFootprint.Gc> gcBefore = PROCESSES ? ServiceFootprint.gc(stack) : Map.of();
            long started = System.nanoTime();
            String report = load.run("GatewayMediaRelayBenchmark (gateway -> bridge -> model)", CALLS, SECONDS,
                    RAMP_PER_SECOND, (index, callSid) -> answered(http, stack, callSid), probes(stack));
            System.out.println(report);
            if (PROCESSES) {
                double wall = (System.nanoTime() - started) / 1e9;
                Map<String, ServiceFootprint.Cpu> cpuAfter = ServiceFootprint.cpu(stack);
                // read before the table below, whose heap figures come after a full collection of each service
                Map<String, ServiceFootprint.Gc> gcAfter = ServiceFootprint.gc(stack);
                System.out.println(before);
                System.out.println(ServiceFootprint.table(stack, "after the calls"));
                System.out.printf("CPU over the whole run (%.0f s: ramp, %d s measured, hang-up), in cores and "
                        + "millicores per call; thread context switches a second per call (a frame handed from one "
                        + "thread to another costs one or two):%n", wall, SECONDS);
                cpuAfter.forEach((service, after) -> {
                    ServiceFootprint.Cpu run = after.minus(cpuBefore.getOrDefault(service, ServiceFootprint.Cpu.NONE));
                    double cores = run.seconds() / wall;
                    System.out.printf("  %-22s %.2f cores, %.2f millicores per call, %.0f%% of it in the kernel, %.0f "
                            + "context switches/s per call%n", service, cores, 1000 * cores / load.callsCarried(),
                            run.kernelPercent(), run.contextSwitches() / wall / load.callsCarried());
                });
                System.out.printf("GC pauses over the whole run (%s); every pause holds the frames in flight; "
                        + "heap allocated, which sets how often the young collections pause:%n",
                        SERVICE_JAVA_OPTS.trim());
                gcAfter.forEach((service, after) -> {
                    ServiceFootprint.Gc run = after.minus(gcBefore.getOrDefault(service, ServiceFootprint.Gc.NONE));
                    System.out.printf("  %-22s %5d pauses, %7.1f ms in all, %5.2f ms on average, longest %5.1f ms "
                            + "(last 2 min); %6.0f MB allocated, %5.1f MB/s, %4.0f KB/s per call%n", service,
                            run.pauses(), 1000 * run.seconds(),
                            run.pauses() == 0 ? 0 : 1000 * run.seconds() / run.pauses(), 1000 * run.longestSeconds(),
                            run.allocatedBytes() / 1e6, run.allocatedBytes() / 1e6 / wall,
                            run.allocatedBytes() / 1e3 / wall / load.callsCarried());
                });
            }
        }
    }

    /** Live sessions and dropped frames: from the bridge's beans in this JVM, or its metrics in its own. */
    private static MediaLoad.Probes probes(LocalStack stack) {
        if (PROCESSES) {
            String metrics = stack.url("media-bridge-service") + "/metrics";
            return new MediaLoad.Probes(
                    () -> (int) ServiceFootprint.sum(ServiceFootprint.scrape(metrics), "voice_bridge_sessions_active", null),
                    () -> ServiceFootprint.sum(ServiceFootprint.scrape(metrics), "voice_bridge_frames_dropped_total", null),
                    () -> ServiceFootprint.sum(ServiceFootprint.scrape(metrics), "voice_bridge_frames_relayed_total",
                            "twilio_to_model"),
                    () -> ServiceFootprint.heapUsedAfterGc(stack, "media-bridge-service"));
        }
        ConfigurableApplicationContext bridge = stack.context("media-bridge-service").orElseThrow();
        SessionRegistry sessions = bridge.getBean(SessionRegistry.class);
        MeterRegistry bridgeMeters = bridge.getBean(MeterRegistry.class);
        return new MediaLoad.Probes(sessions::size, () -> count(bridgeMeters.find("voice.bridge.frames.dropped")),
                () -> count(bridgeMeters.find("voice.bridge.frames.relayed").tag("direction", "twilio_to_model")));
    }

    private static double count(io.micrometer.core.instrument.search.Search search) {
        var counter = search.counter();
        return counter == null ? 0 : counter.count();
    }

    /** Twilio's side of answering an inbound call: the signed webhook, then the stream the TwiML names. */
    private static MediaLoad.Stream answered(HttpClient http, LocalStack stack, String callSid) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("AccountSid", stack.options().twilioAccountSid());
        params.put("CallSid", callSid);
        params.put("CallStatus", "ringing");
        params.put("Direction", "inbound");
        params.put("From", "+15555550100");
        params.put("To", stack.options().tenantNumber());
        String url = stack.gatewayUrl() + "/api/v1/incoming-call";
        String form = params.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                // Twilio gives a voice webhook 15 s before it plays its own error to the caller
                .timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", TwilioSignatures.sign(stack.options().twilioAuthToken(), url, params))
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        try {
            String twiml = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
            Matcher stream = STREAM_URL.matcher(twiml);
            Matcher token = TOKEN.matcher(twiml);
            if (!stream.find() || !token.find()) {
                throw new IllegalStateException("incoming-call answered without a stream: " + twiml);
            }
            return new MediaLoad.Stream(URI.create(unescape(stream.group(1))), Map.of(),
                    Map.of("token", unescape(token.group(1))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String unescape(String xml) {
        return xml.replace("&quot;", "\"").replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&amp;", "&");
    }
}
