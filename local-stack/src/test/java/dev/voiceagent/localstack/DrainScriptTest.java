package dev.voiceagent.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/drain.sh}, the preStop hook, against a /metrics page: it waits while the gauge counts live calls,
 * stops waiting once it reads 0 or is not exposed, and keeps waiting while the gauge reads as no number (a NaN
 * gauge must not let a pod be stopped with its calls).
 */
class DrainScriptTest {

    private static final Path SCRIPT = Path.of("..", "deploy", "drain.sh").normalize().toAbsolutePath();
    private static final String GAUGE = "voice_bridge_sessions_active";

    private HttpServer server;
    private final AtomicInteger scrapes = new AtomicInteger();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** Serves /metrics; {@code page} gives the page for the n-th scrape (from 0). */
    private int serve(IntFunction<String> page) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/metrics", exchange -> {
            byte[] body = page.apply(scrapes.getAndIncrement()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server.getAddress().getPort();
    }

    private record Run(int exit, String stderr, long millis) {
    }

    private Run drain(int port, int maxSeconds) throws Exception {
        Path stderr = Files.createTempFile("drain", ".err");
        ProcessBuilder builder = new ProcessBuilder(List.of("bash", SCRIPT.toString(), GAUGE, String.valueOf(maxSeconds)))
                .redirectError(stderr.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("SERVER_PORT", String.valueOf(port));
        builder.environment().put("DRAIN_SETTLE_SECONDS", "0");
        builder.environment().put("DRAIN_POLL_SECONDS", "1");
        long started = System.nanoTime();
        Process process = builder.start();
        assertThat(process.waitFor(maxSeconds + 20L, TimeUnit.SECONDS)).as("drain.sh ends").isTrue();
        long millis = (System.nanoTime() - started) / 1_000_000;
        String err = Files.readString(stderr);
        Files.delete(stderr);
        return new Run(process.exitValue(), err, millis);
    }

    private static String page(String value) {
        return "# TYPE " + GAUGE + " gauge\n" + GAUGE + "{application=\"media-bridge-service\"} " + value + "\n"
                + "jvm_threads_live_threads{application=\"media-bridge-service\"} 40.0\n";
    }

    @Test
    void waitsWhileCallsAreLiveAndStopsAtZero() throws Exception {
        int port = serve(n -> page(n < 2 ? "2.0" : "0.0"));
        Run run = drain(port, 30);
        assertThat(run.exit()).isZero();
        assertThat(run.stderr()).contains("drain: 2 live call(s) on this instance");
        assertThat(scrapes.get()).isEqualTo(3);
        assertThat(run.millis()).isLessThan(20_000);
    }

    @Test
    void aGaugeThatIsNoNumberKeepsThePodWaiting() throws Exception {
        int port = serve(n -> page("NaN"));
        Run run = drain(port, 3);
        assertThat(run.stderr()).contains("does not read as a number").contains("gave up after 3s");
        assertThat(scrapes.get()).isGreaterThanOrEqualTo(2);
        assertThat(run.millis()).isGreaterThanOrEqualTo(2_500);
    }

    @Test
    void anAbsentGaugeDoesNotHoldThePod() throws Exception {
        int port = serve(n -> "jvm_threads_live_threads{application=\"x\"} 40.0\n");
        Run run = drain(port, 30);
        assertThat(run.exit()).isZero();
        assertThat(run.stderr()).contains("not exposed");
        assertThat(run.millis()).isLessThan(10_000);
    }
}
