package dev.voiceagent.gateway.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.support.LingeringClose;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import dev.voiceagent.testkit.netty.BufferLeaks;
import dev.voiceagent.testkit.reactor.CountedContextValue;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.r2dbc.spi.ConnectionFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.server.WebFilter;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.test.StepVerifier;

/** The media-stream ingress with a real WebSocket client (Twilio's side) and a stand-in media bridge. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.twilio.auth-token=media-token",
        "voice.gateway.media-token-secrets=media-secret",
        "voice.gateway.stream-start-timeout=1s"})
@VoiceInfrastructure
class MediaStreamIT {

    /** One connection the gateway opened to the bridge: its headers, its frames (as text and as the wire's bytes). */
    record BridgeConnection(Map<String, String> headers, List<String> frames, List<byte[]> bytes,
                            CompletableFuture<Integer> closeCode) {
    }

    static final List<BridgeConnection> BRIDGE_CONNECTIONS = new CopyOnWriteArrayList<>();
    static final String BRIDGE_MEDIA = "{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":{\"payload\":\"/w==\"}}";
    /** What the stand-in bridge answers a mark with: a text frame that is not ASCII. */
    static final String BRIDGE_MARK = "{\"event\":\"mark\",\"streamSid\":\"MZ1\",\"mark\":{\"name\":\"café ☎\"}}";
    /** The bridge lingers on the close frames it sends, as the real one does (the services' shared server setup). */
    static final DisposableServer BRIDGE = LingeringClose.onEveryConnection(HttpServer.create(), LingeringClose.DEFAULT_LINGER).port(0)
            .route(routes -> routes.ws("/internal/v1/media-stream", (in, out) -> {
                Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                in.headers().forEach(h -> headers.put(h.getKey(), h.getValue()));
                BridgeConnection connection = new BridgeConnection(headers, new CopyOnWriteArrayList<>(),
                        new CopyOnWriteArrayList<>(), new CompletableFuture<>());
                BRIDGE_CONNECTIONS.add(connection);
                in.receiveCloseStatus().map(WebSocketCloseStatus::code).subscribe(connection.closeCode()::complete);
                return in.receive().asByteArray().concatMap(bytes -> {
                    String text = new String(bytes, StandardCharsets.UTF_8);
                    connection.frames().add(text);
                    connection.bytes().add(bytes);
                    if (text.contains("bridge-close")) {
                        return out.sendClose(4001, "bridge done");
                    }
                    if (text.contains("\"event\":\"mark\"")) {
                        return out.sendString(Mono.just(BRIDGE_MARK)).then();
                    }
                    return text.contains("\"event\":\"media\"") ? out.sendString(Mono.just(BRIDGE_MEDIA)).then()
                            : Mono.<Void>empty();
                }).then();
            }))
            .bindNow();

    @DynamicPropertySource
    static void bridge(DynamicPropertyRegistry registry) {
        registry.add("voice.gateway.bridge-url", () -> "ws://localhost:" + BRIDGE.port() + "/internal/v1/media-stream");
    }

    @AfterAll
    static void stop() {
        BRIDGE.disposeNow();
        REQUEST_VALUE.close();
    }

    @LocalServerPort int port;
    @Autowired MediaTokens tokens;
    @Autowired DatabaseClient db;
    @Autowired ConnectionFactory connections;
    @Autowired MeterRegistry meters;

    @Test
    void relaysFramesUnchangedBothWaysWithCallHeadersAndCarriesTheCallersCloseCode() {
        String sid = newSid();
        String token = tokens.mint(sid, "acme", "support", "acme-support-v1", "+15555550100", "inbound");
        String start = start(sid, token);
        String media = media(1);
        List<String> replies = new CopyOnWriteArrayList<>();
        int before = BRIDGE_CONNECTIONS.size();

        Mono<Void> caller = HttpClient.create().websocket().uri(url()).handle((in, out) -> out
                        .sendString(Flux.just(CONNECTED, start, media)).then()
                        // no cancel of the inbound (that would send a close of its own): close on the first reply
                        .thenMany(in.receive().asString().concatMap(reply -> {
                            replies.add(reply);
                            return out.sendClose(4000, "caller hung up");
                        })))
                .then();
        StepVerifier.create(caller).expectComplete().verify(Duration.ofSeconds(10));

        assertThat(replies).containsExactly(BRIDGE_MEDIA);
        BridgeConnection bridge = BRIDGE_CONNECTIONS.get(before);
        assertThat(bridge.frames()).containsExactly(CONNECTED, start, media);
        assertThat(bridge.headers()).containsEntry("X-Voice-Call-Sid", sid)
                .containsEntry("X-Voice-Tenant-Id", "acme")
                .containsEntry("X-Voice-Agent-Key", "support")
                .containsEntry("X-Voice-Agent-Version-Id", "acme-support-v1")
                .containsEntry("X-Voice-Caller", "+15555550100")
                .containsEntry("X-Voice-Direction", "inbound");
        await().atMost(Duration.ofSeconds(5)).until(() -> bridge.closeCode().isDone());
        assertThat(bridge.closeCode().join()).isEqualTo(4000);
    }

    @Test
    void relaysTextFramesByteForByteAndPassesOnlyValidUtf8ToTheBridge() {
        String sid = newSid();
        String token = tokens.mint(sid, "acme", "support", "acme-support-v1", "+15555550100", "inbound");
        String mark = "{\"event\":\"mark\",\"streamSid\":\"MZ1\",\"mark\":{\"name\":\"añadido ☎\"}}";
        // a text frame whose bytes are not UTF-8 (a lone continuation byte and a truncated sequence)
        byte[] malformed = {'{', '"', 'x', '"', ':', '"', (byte) 0x80, (byte) 0xE2, (byte) 0x98, '"', '}'};
        List<byte[]> replies = new CopyOnWriteArrayList<>();
        int before = BRIDGE_CONNECTIONS.size();

        Mono<Void> caller = HttpClient.create().websocket().uri(url()).handle((in, out) -> out
                        .sendString(Flux.just(CONNECTED, start(sid, token))).then()
                        .then(out.sendObject(new TextWebSocketFrame(Unpooled.wrappedBuffer(malformed))).then())
                        .then(out.sendString(Mono.just(mark)).then())
                        .thenMany(in.receive().asByteArray().concatMap(reply -> {
                            replies.add(reply);
                            return out.sendClose(4000, "caller hung up");
                        })))
                .then();
        StepVerifier.create(caller).expectComplete().verify(Duration.ofSeconds(10));

        // the bridge's frame reaches the caller as the bridge wrote it; the caller's as the caller wrote it
        assertThat(replies).singleElement().isEqualTo(BRIDGE_MARK.getBytes(StandardCharsets.UTF_8));
        BridgeConnection bridge = BRIDGE_CONNECTIONS.get(before);
        await().atMost(Duration.ofSeconds(5)).until(() -> bridge.bytes().size() == 4);
        assertThat(bridge.bytes().get(3)).isEqualTo(mark.getBytes(StandardCharsets.UTF_8));
        // the malformed sequences arrive replaced: the bridge never gets a text frame that is not UTF-8
        assertThat(bridge.bytes().get(2))
                .isEqualTo("{\"x\":\"\uFFFD\uFFFD\"}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theBridgesFramesGoToTheCallerWithoutLeakingABufferWhenTheCallerHangsUpMidStream() throws Exception {
        try (BufferLeaks buffers = BufferLeaks.watch()) {
            for (int call = 0; call < 5; call++) {
                String sid = newSid();
                String token = tokens.mint(sid, "acme", "support", "acme-support-v1", "+15555550100", "inbound");
                AtomicInteger replies = new AtomicInteger();
                // 200 frames at once: the bridge answers each, and the caller hangs up after the 20th answer while
                // the rest are on their way through the gateway
                Flux<String> frames = Flux.concat(Flux.just(CONNECTED, start(sid, token)),
                        Flux.range(1, 200).map(MediaStreamIT::media));
                Mono<Void> caller = HttpClient.create().websocket().uri(url()).handle((in, out) -> out
                                .sendString(frames).then()
                                .thenMany(in.receive().asString().concatMap(reply -> replies.incrementAndGet() == 20
                                        ? out.sendClose(4000, "caller hung up") : Mono.empty())))
                        .then();
                StepVerifier.create(caller).expectComplete().verify(Duration.ofSeconds(10));
                assertThat(replies).hasValueGreaterThanOrEqualTo(20);
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> meters.get("voice.gateway.media_streams.active").gauge().value() == 0);
            assertThat(buffers.leaks()).as("buffers Netty reports as leaked").isEmpty();
        }
    }

    @Test
    void anOpenStreamIsCountedOnTheDrainGaugeUntilItCloses() {
        String sid = newSid();
        String token = tokens.mint(sid, "acme", "support", "acme-support-v1", "+15555550100", "inbound");
        List<Double> whileLive = new CopyOnWriteArrayList<>();

        Mono<Void> caller = HttpClient.create().websocket().uri(url()).handle((in, out) -> out
                        .sendString(Flux.just(CONNECTED, start(sid, token), media(1))).then()
                        .thenMany(in.receive().asString().concatMap(reply -> activeStreams()
                                .doOnNext(whileLive::add)
                                .then(out.sendClose(4000, "caller hung up")))))
                .then();
        StepVerifier.create(caller).expectComplete().verify(Duration.ofSeconds(10));

        assertThat(whileLive).hasSize(1).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(1.0));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> StepVerifier.create(activeStreams())
                .expectNext(0.0).verifyComplete());
    }

    /** The gauge as deploy/drain.sh reads it: the line of {@code voice_gateway_media_streams_active} on /metrics. */
    private Mono<Double> activeStreams() {
        return HttpClient.create().get().uri("http://localhost:" + port + "/metrics")
                .responseContent().aggregate().asString()
                .map(body -> body.lines().filter(line -> line.startsWith("voice_gateway_media_streams_active{"))
                        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                        .sum());
    }

    @Test
    void bridgeCloseCodeReachesTwilio() {
        String sid = newSid();
        String token = tokens.mint(sid, "acme", "support", "acme-support-v1", "+15555550100", "inbound");
        String mark = "{\"event\":\"mark\",\"streamSid\":\"MZ1\",\"mark\":{\"name\":\"bridge-close\"}}";
        StepVerifier.create(closeCodeAfter(CONNECTED, start(sid, token), mark))
                .expectNext(4001)
                .verifyComplete();
    }

    /**
     * A close code crosses both hops to a caller that is still streaming at Twilio's 20 ms cadence, while the bridge
     * still answers each frame: neither the bridge's close nor the gateway's may be overtaken by the reset that frames
     * still in flight to a closed socket would draw.
     */
    @Test
    void aBridgeCloseReachesCallersThatAreStillStreaming() {
        List<Integer> codes = Flux.range(0, STREAMING_CALLS)
                .flatMap(i -> streamingCall(url(), tokens, false))
                .collectList().block(Duration.ofSeconds(30));

        assertThat(codes).hasSize(STREAMING_CALLS).containsOnly(4001);
    }

    /** The caller's close reaches a bridge that is still streaming to the gateway, on every call. */
    @Test
    void aCallerCloseReachesTheBridgeWhileBothAreStillStreaming() {
        int before = BRIDGE_CONNECTIONS.size();
        Flux.range(0, STREAMING_CALLS).flatMap(i -> streamingCall(url(), tokens, true)).blockLast(Duration.ofSeconds(30));

        List<BridgeConnection> calls = BRIDGE_CONNECTIONS.subList(before, BRIDGE_CONNECTIONS.size());
        assertThat(calls).hasSize(STREAMING_CALLS);
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.stream().allMatch(c -> c.closeCode().isDone()));
        assertThat(calls).extracting(c -> c.closeCode().join()).containsOnly(4000);
    }

    /**
     * A refused stream whose client keeps streaming at Twilio's cadence (it never pauses) gets its code at once, not
     * when a drain gives up: the server's lingering close keeps reading its frames until its close frame.
     */
    @Test
    void aRefusedStreamStillStreamingGetsItsCodeAtOnce() {
        long started = System.nanoTime();
        Integer code = HttpClient.create().websocket().uri(url())
                .handle((in, out) -> out.sendString(Flux.concat(Flux.just(CONNECTED, start(newSid(), "forged.token")),
                                Flux.interval(Duration.ofMillis(20)).take(250).map(i -> media(i.intValue()))))
                        .then()
                        .thenMany(Flux.<Integer>never())
                        .mergeWith(in.receiveCloseStatus().map(WebSocketCloseStatus::code))
                        .take(1))
                .next().block(Duration.ofSeconds(10));
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;

        assertThat(code).isEqualTo(1008);
        // a drain that waited for a pause in the frames closed such a stream only after 2 s
        assertThat(elapsedMillis).as("milliseconds from the handshake to the close code").isLessThan(1500);
    }

    /**
     * The relay runs without the upgrade request's Reactor context: a value the request's filters put there (in
     * production, the request's observation and its tracing scope) is not set on the event loop around every frame.
     * With automatic context propagation it was, twice per frame and direction.
     */
    @Test
    void framesAreRelayedWithoutRestoringTheUpgradeRequestsContextPerFrame() {
        String sid = newSid();
        String token = tokens.mint(sid, "acme", "support", "acme-support-v1", "+15555550100", "inbound");
        int frames = 200;
        List<String> replies = new CopyOnWriteArrayList<>();
        int setsBefore = REQUEST_VALUE.sets();

        Mono<Void> caller = HttpClient.create().websocket().uri(url()).handle((in, out) -> out
                        .sendString(Flux.concat(Flux.just(CONNECTED, start(sid, token)),
                                Flux.range(0, frames).map(MediaStreamIT::media)))
                        .then()
                        .thenMany(in.receive().asString().doOnNext(replies::add).take(frames)
                                .then(out.sendClose(4000, "caller hung up"))))
                .then();
        StepVerifier.create(caller).expectComplete().verify(Duration.ofSeconds(20));

        assertThat(replies).hasSize(frames);
        assertThat(REQUEST_VALUE.sets() - setsBefore)
                .as("thread-local sets of the request's context while %d frames went each way", frames)
                .isLessThan(frames / 4);
    }

    /** A value in every request's Reactor context, counted each time automatic propagation sets it on a thread. */
    static final CountedContextValue REQUEST_VALUE = CountedContextValue.register("media-stream-it.request");

    @TestConfiguration
    static class RequestValueFilter {
        @Bean
        WebFilter requestValue() {
            return (exchange, chain) -> chain.filter(exchange)
                    .contextWrite(context -> context.put(REQUEST_VALUE.key(), "request"));
        }
    }

    static final int STREAMING_CALLS = 40;

    /**
     * One call whose caller sends a frame every 20 ms and reads every reply. After half a second it either closes
     * with 4000 itself ({@code callerCloses}) or asks the stand-in bridge to close with 4001. Yields the code the
     * gateway closed the stream with (or echoed), -1 when the connection ended without one. Like Twilio, the caller
     * reads on after its own close frame until the gateway's.
     */
    private static Mono<Integer> streamingCall(String url, MediaTokens tokens, boolean callerCloses) {
        String sid = newSid();
        String token = tokens.mint(sid, "acme", "support", "acme-support-v1", "+15555550100", "inbound");
        String closeMark = "{\"event\":\"mark\",\"streamSid\":\"MZ1\",\"mark\":{\"name\":\"bridge-close\"}}";
        return LingeringClose.onEveryConnection(HttpClient.create(), LingeringClose.DEFAULT_LINGER)
                .websocket().uri(url).handle((in, out) -> {
                    Flux<String> audio = Flux.interval(Duration.ofMillis(20)).map(i -> media(i.intValue()));
                    Mono<Void> talk = out.sendString(Flux.concat(Flux.just(CONNECTED, start(sid, token)),
                                    audio.take(25), Flux.just(closeMark).filter(m -> !callerCloses))).then()
                            .then(callerCloses ? out.sendClose(4000, "caller hung up") : out.sendString(audio).then())
                            .onErrorResume(e -> Mono.empty());
                    return talk.thenMany(Flux.<Integer>never())
                            .mergeWith(in.receive().then().then(Mono.<Integer>empty()))
                            .mergeWith(in.receiveCloseStatus().map(WebSocketCloseStatus::code))
                            .mergeWith(Mono.<Integer>create(sink ->
                                    in.withConnection(c -> c.onDispose(() -> sink.success(-1)))))
                            .take(1);
                })
                .next()
                .timeout(Duration.ofSeconds(20));
    }

    @Test
    void aStreamIsAdmittedOnThisInstancesCheckWhileTheSharedTokenRecordCannotAnswerAndItsUseLandsLater() {
        long usesBefore = tokenUses();
        double skippedBefore = skippedSharedChecks();
        // another session holds the shared record locked for longer than the gateway waits (2 s)
        Disposable lock = Mono.usingWhen(connections.create(),
                connection -> Mono.from(connection.beginTransaction())
                        .then(Mono.from(connection.createStatement("LOCK TABLE media_token_uses IN EXCLUSIVE MODE")
                                .execute()).flatMap(result -> Mono.from(result.getRowsUpdated())))
                        .then(Mono.delay(Duration.ofSeconds(4)))
                        .then(Mono.from(connection.commitTransaction())),
                connection -> Mono.from(connection.close())).subscribe();
        try {
            await().atMost(Duration.ofSeconds(5)).until(this::tableLocked);
            String sid = newSid();
            String token = tokens.mint(sid, "acme", "support", "acme-support-v1", "+15555550100", "inbound");
            String mark = "{\"event\":\"mark\",\"streamSid\":\"MZ1\",\"mark\":{\"name\":\"bridge-close\"}}";
            StepVerifier.create(closeCodeAfter(CONNECTED, start(sid, token), mark))
                    .expectNext(4001)
                    .verifyComplete();
            assertThat(skippedSharedChecks()).isEqualTo(skippedBefore + 1);
        } finally {
            await().atMost(Duration.ofSeconds(10)).until(lock::isDisposed);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> tokenUses() == usesBefore + 1);
    }

    private long tokenUses() {
        return db.sql("SELECT count(*) AS n FROM media_token_uses").map(row -> row.get("n", Long.class)).one()
                .block(Duration.ofSeconds(10));
    }

    private boolean tableLocked() {
        return db.sql("SELECT count(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        + "WHERE c.relname = 'media_token_uses' AND l.mode = 'ExclusiveLock' AND l.granted")
                .map(row -> row.get("n", Long.class)).one().block(Duration.ofSeconds(10)) > 0;
    }

    private double skippedSharedChecks() {
        return meters.counter("voice.gateway.media_tokens.shared_check_skipped").count();
    }

    @Test
    void rejectsForgedExpiredReusedOrMismatchedTokensWithPolicyViolation() {
        String sid = newSid();
        int before = BRIDGE_CONNECTIONS.size();
        StepVerifier.create(closeCodeAfter(CONNECTED, start(sid, "forged.token"), media(1)))
                .expectNext(1008).verifyComplete();
        StepVerifier.create(closeCodeAfter(CONNECTED, start(sid, null), media(1)))
                .expectNext(1008).verifyComplete();

        String other = tokens.mint(newSid(), "acme", "support", "v1", "+15555550100", "inbound");
        StepVerifier.create(closeCodeAfter(CONNECTED, start(sid, other), media(1)))
                .expectNext(1008).verifyComplete();

        MediaTokens shortLived = new MediaTokens(List.of("media-secret"), Duration.ofSeconds(-1),
                java.time.Clock.systemUTC());
        String expired = shortLived.mint(sid, "acme", "support", "v1", "+15555550100", "inbound");
        StepVerifier.create(closeCodeAfter(CONNECTED, start(sid, expired), media(1)))
                .expectNext(1008).verifyComplete();
        assertThat(BRIDGE_CONNECTIONS).hasSize(before);

        String token = tokens.mint(sid, "acme", "support", "v1", "+15555550100", "inbound");
        tokens.consume(token, sid);
        StepVerifier.create(closeCodeAfter(CONNECTED, start(sid, token), media(1)))
                .expectNext(1008).verifyComplete();
        assertThat(BRIDGE_CONNECTIONS).hasSize(before);
    }

    @Test
    void refusesGarbageOrAudioBeforeStartAndStreamsThatNeverStart() {
        int before = BRIDGE_CONNECTIONS.size();
        StepVerifier.create(closeCodeAfter("hello"))
                .expectNext(1003).verifyComplete();
        StepVerifier.create(closeCodeAfter(CONNECTED, "{\"no\":\"event\"}"))
                .expectNext(1008).verifyComplete();
        StepVerifier.create(closeCodeAfter(CONNECTED, media(1)))
                .expectNext(1008).verifyComplete();
        StepVerifier.create(closeCodeAfter(CONNECTED))
                .expectNext(1008).verifyComplete();
        assertThat(BRIDGE_CONNECTIONS).hasSize(before);
    }

    /** Sends the frames, keeps the socket open and yields the close code the gateway closes it with. */
    private Mono<Integer> closeCodeAfter(String... frames) {
        return HttpClient.create().websocket().uri(url()).handle((in, out) -> out
                        .sendString(Flux.fromArray(frames)).then()
                        .onErrorResume(e -> Mono.empty())
                        .thenMany(Flux.<Integer>never())
                        .mergeWith(in.receiveCloseStatus().map(WebSocketCloseStatus::code))
                        .take(1))
                .next()
                .timeout(Duration.ofSeconds(10));
    }

    private String url() {
        return "ws://localhost:" + port + "/api/v1/media-stream";
    }

    static final String CONNECTED = "{\"event\":\"connected\",\"protocol\":\"Call\",\"version\":\"1.0.0\"}";

    static String start(String callSid, String token) {
        String params = token == null ? "{}" : "{\"token\":\"" + token + "\"}";
        return "{\"event\":\"start\",\"sequenceNumber\":\"1\",\"streamSid\":\"MZ1\",\"start\":{\"streamSid\":\"MZ1\","
                + "\"accountSid\":\"AC1\",\"callSid\":\"" + callSid + "\",\"tracks\":[\"inbound\"],"
                + "\"customParameters\":" + params + ",\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\","
                + "\"sampleRate\":8000,\"channels\":1}}}";
    }

    static String media(int sequence) {
        return "{\"event\":\"media\",\"sequenceNumber\":\"" + (sequence + 1) + "\",\"streamSid\":\"MZ1\",\"media\":"
                + "{\"track\":\"inbound\",\"chunk\":\"" + sequence + "\",\"timestamp\":\"" + sequence * 20
                + "\",\"payload\":\"//////////8=\"}}";
    }

    static String newSid() {
        return "CA" + UUID.randomUUID().toString().replace("-", "");
    }
}
