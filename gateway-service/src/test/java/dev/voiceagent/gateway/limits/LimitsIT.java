package dev.voiceagent.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.gateway.media.MediaTokens;
import dev.voiceagent.gateway.testing.MediaStreamClient;
import dev.voiceagent.gateway.testing.Tenants;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * The gateway's input limits, one case each, against a bridge stand-in that keeps streams open: request body size,
 * media frame size, frames per second per stream and concurrent streams per tenant (request rates per IP and tenant
 * are in {@code GatewayEdgeIT}). Every refusal is a problem+json or a WebSocket close code the client sees.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.twilio.account-sid=AC0123456789abcdef0123456789abcdef",
        "voice.twilio.auth-token=limits-token",
        "voice.gateway.public-base-url=https://voice.example.com",
        "voice.gateway.media-token-secrets=limits-secret",
        "voice.gateway.max-frame-bytes=8192",
        "voice.gateway.prewarm.enabled=false",
        "voice.gateway.limits.tenant-concurrent-streams=2",
        "voice.gateway.limits.stream-frames-per-second=40"})
@AutoConfigureWebTestClient
@VoiceInfrastructure
class LimitsIT {

    static final AtomicInteger BRIDGE_STREAMS = new AtomicInteger();
    /** The concurrency case's tenant: no other case's lingering stream counts against it. */
    static final String OWN_TENANT = "initech";
    static final AtomicInteger OWN_TENANT_STREAMS = new AtomicInteger();
    /** Lives as long as the test JVM: a rerun of a failed case runs after the class and still needs it. */
    static final DisposableServer BRIDGE = HttpServer.create().port(0)
            .route(routes -> routes.ws("/internal/v1/media-stream", (in, out) -> {
                BRIDGE_STREAMS.incrementAndGet();
                if (OWN_TENANT.equals(in.headers().get("X-Voice-Tenant-Id"))) {
                    OWN_TENANT_STREAMS.incrementAndGet();
                }
                return in.receive().then();
            }))
            .bindNow();

    @DynamicPropertySource
    static void endpoints(DynamicPropertyRegistry registry) {
        registry.add("voice.gateway.bridge-url", () -> "ws://localhost:" + BRIDGE.port() + "/internal/v1/media-stream");
    }

    @Autowired WebTestClient web;
    @Autowired TenantDirectory directory;
    @Autowired MediaTokens tokens;
    @LocalServerPort int port;
    final List<Disposable> held = new CopyOnWriteArrayList<>();

    @BeforeEach
    void tenant() {
        directory.apply(Tenants.tenant("acme", "acme-limits-key", "+15555550000", true));
    }

    @AfterEach
    void release() {
        held.forEach(Disposable::dispose);
    }

    @Test
    void aBodyOverTheLimitIs413WithAProblem() {
        web.post().uri("/api/v1/make-call").header("x-api-key", "acme-limits-key")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"to\":\"+15555550100\",\"greeting\":\"" + "x".repeat(17 * 1024) + "\"}")
                .exchange()
                .expectStatus().isEqualTo(413)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void aFrameOverTheSizeLimitClosesTheStreamWith1009() {
        List<String> frames = List.of(start(), media("A".repeat(9000)));
        assertThat(closeCode(frames)).isEqualTo(1009);
    }

    @Test
    void aClientStillSendingAfterAFrameOverTheSizeLimitSeesTheCodeRatherThanAReset() {
        List<String> afterStart = new ArrayList<>(List.of(start(), media("A".repeat(9000))));
        IntStream.range(0, 300).forEach(i -> afterStart.add(media("//8=")));
        assertThat(closeCode(afterStart)).isEqualTo(1009);
        List<String> beforeStart = new ArrayList<>(List.of(media("A".repeat(30_000))));
        IntStream.range(0, 300).forEach(i -> beforeStart.add(media("//8=")));
        assertThat(closeCode(beforeStart)).isEqualTo(1009);
    }

    @Test
    void aFrameBeyondTheCodecsLimitIsClosedWith1009ByTheCodec() {
        int codecLimit = dev.voiceagent.gateway.media.MediaStreamHandler.codecFrameLimit(8192);
        assertThat(closeCode(List.of(start(), media("A".repeat(codecLimit + 1))))).isEqualTo(1009);
    }

    @Test
    void aStreamOverItsFrameRateIsClosedWith1008AndTheClientSeesTheCode() {
        List<String> flood = new ArrayList<>(List.of(start()));
        IntStream.range(0, 400).forEach(i -> flood.add(media("//8=")));
        assertThat(closeCode(flood)).isEqualTo(1008);
    }

    @Test
    void aStreamWithinItsFrameRateStaysOpen() {
        int before = BRIDGE_STREAMS.get();
        Integer code = HttpClient.create().websocket().uri("ws://localhost:" + port + "/api/v1/media-stream")
                .handle((in, out) -> out.sendString(Flux.concat(Flux.just(start()),
                                Flux.interval(Duration.ofMillis(50)).take(30).map(i -> media("//8="))))
                        .then().thenMany(in.receiveCloseStatus().map(WebSocketCloseStatus::code))
                        .timeout(Duration.ofSeconds(1), Mono.just(0)))
                .next().block(Duration.ofSeconds(10));
        assertThat(code).as("no close while within the rate").isEqualTo(0);
        assertThat(BRIDGE_STREAMS.get()).isEqualTo(before + 1);
    }

    @Test
    void aTenantOverItsConcurrentStreamsIsRefusedWith1013UntilOneEnds() {
        int before = OWN_TENANT_STREAMS.get();
        Disposable first = hold();
        hold();
        awaitOwnTenantStreams(before + 2);

        assertThat(closeCode(List.of(start(OWN_TENANT)))).isEqualTo(1013);
        assertThat(OWN_TENANT_STREAMS.get()).isEqualTo(before + 2);

        first.dispose();
        held.remove(first);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline && OWN_TENANT_STREAMS.get() < before + 3) {
            hold();
            sleep(200);
        }
        assertThat(OWN_TENANT_STREAMS.get()).as("a stream accepted after one ended").isGreaterThanOrEqualTo(before + 3);
    }

    /** A stream of the concurrency test's own tenant, held open until disposed. */
    private Disposable hold() {
        Disposable stream = HttpClient.create().websocket().uri("ws://localhost:" + port + "/api/v1/media-stream")
                .handle((in, out) -> out.sendString(Flux.just(start(OWN_TENANT))).neverComplete().and(in.receive().then()))
                .subscribe(x -> { }, e -> { });
        held.add(stream);
        return stream;
    }

    private static void awaitOwnTenantStreams(int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline && OWN_TENANT_STREAMS.get() < count) {
            sleep(50);
        }
        assertThat(OWN_TENANT_STREAMS.get()).isEqualTo(count);
    }

    private int closeCode(List<String> frames) {
        return MediaStreamClient.closeCode("ws://localhost:" + port + "/api/v1/media-stream", frames,
                Duration.ofSeconds(10));
    }

    private String start() {
        return start("acme");
    }

    private String start(String tenant) {
        String sid = "CA" + UUID.randomUUID().toString().replace("-", "");
        String token = tokens.mint(sid, tenant, "support", "v1", "+15555550100", "inbound");
        return "{\"event\":\"start\",\"streamSid\":\"MZ1\",\"start\":{\"streamSid\":\"MZ1\",\"accountSid\":\"AC1\","
                + "\"callSid\":\"" + sid + "\",\"tracks\":[\"inbound\"],\"customParameters\":{\"token\":\"" + token + "\"}}}";
    }

    private static String media(String payload) {
        return "{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":{\"track\":\"inbound\",\"payload\":\"" + payload + "\"}}";
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
