package dev.voiceagent.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.gateway.GatewayApplication;
import dev.voiceagent.gateway.limits.GatewayInstances;
import dev.voiceagent.gateway.testing.Tenants;
import dev.voiceagent.gateway.twilio.TwilioSignatures;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.DatabaseCoordinates;
import dev.voiceagent.testkit.infra.SharedInfrastructure;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.test.StepVerifier;

/**
 * Two gateway instances (two application contexts) on one database: the concurrent-call limit is exact for
 * calls spread over both, the per-tenant request rate is shared between them, and a media token used on one is
 * refused on the other.
 */
class TwoGatewayInstancesIT {

    static final String TOKEN = "two-instances-token";
    static final String BASE = "https://voice.example.com";
    static final int CONCURRENT_CALLS = 3;
    static final int TENANT_BURST = 10;
    static final Pattern MEDIA_TOKEN = Pattern.compile("name=\"token\" value=\"([^\"]+)\"");

    static final AtomicInteger TWILIO_CREATES = new AtomicInteger();
    static DisposableServer stubs;
    static ConfigurableApplicationContext first;
    static ConfigurableApplicationContext second;
    static DatabaseClient db;

    @BeforeAll
    static void start() {
        // Twilio's REST API (slow enough that concurrent make-calls overlap) and the media bridge, which closes
        // each relayed stream at once with its own code
        stubs = HttpServer.create().port(0).route(routes -> routes
                .post("/2010-04-01/Accounts/{account}/Calls.json", (request, response) -> request.receive().then(
                        Mono.delay(Duration.ofMillis(300))).then(response.status(201)
                        .header("Content-Type", "application/json")
                        .sendString(Mono.fromSupplier(() -> callJson(request.param("account")))).then()))
                .ws("/internal/v1/media-stream", (in, out) -> out.sendClose(4000, "stand-in"))
                .route(request -> true, (request, response) -> request.receive().then(response.status(202).send())))
                .bindNow();
        DatabaseCoordinates database = SharedInfrastructure.freshDatabase("TwoGatewayInstancesIT");
        first = gateway(database);
        second = gateway(database);
        db = first.getBean(DatabaseClient.class);
        for (ConfigurableApplicationContext gateway : List.of(first, second)) {
            TenantDirectory directory = gateway.getBean(TenantDirectory.class);
            for (String id : List.of("crowded", "dialer", "chatty", "streamer")) {
                directory.apply(Tenants.tenant(id, id + "-key", number(id), true));
            }
        }
    }

    private static ConfigurableApplicationContext gateway(DatabaseCoordinates database) {
        String stub = "http://localhost:" + stubs.port();
        Map<String, Object> properties = new LinkedHashMap<>(database.serviceProperties());
        properties.put("server.port", "0");
        properties.put("spring.kafka.bootstrap-servers", SharedInfrastructure.kafka());
        properties.put("voice.twilio.account-sid", "AC0123456789abcdef0123456789abcdef");
        properties.put("voice.twilio.auth-token", TOKEN);
        properties.put("voice.twilio.api-base-url", stub);
        properties.put("voice.gateway.public-base-url", BASE);
        properties.put("voice.gateway.media-token-secrets", "two-instances-secret");
        properties.put("voice.gateway.bridge-url", "ws://localhost:" + stubs.port() + "/internal/v1/media-stream");
        properties.put("voice.gateway.bridge-api-url", stub);
        properties.put("voice.gateway.limits.tenant-concurrent-calls", String.valueOf(CONCURRENT_CALLS));
        properties.put("voice.gateway.limits.tenant-requests-per-second", "0.01");
        properties.put("voice.gateway.limits.tenant-burst", String.valueOf(TENANT_BURST));
        properties.put("voice.gateway.limits.instance-heartbeat", "200ms");
        return new SpringApplicationBuilder(GatewayApplication.class)
                .initializers(app -> app.getEnvironment().getPropertySources()
                        .addFirst(new MapPropertySource("twoInstances", properties)))
                .run();
    }

    @AfterAll
    static void stop() {
        for (ConfigurableApplicationContext gateway : new ConfigurableApplicationContext[] {first, second}) {
            if (gateway != null) {
                gateway.close();
            }
        }
        if (stubs != null) {
            stubs.disposeNow();
        }
    }

    @Test
    void concurrentCallLimitHoldsForInboundCallsSpreadOverBothInstances() {
        List<String> answers = concurrently(10, i -> incomingCall(i % 2 == 0 ? first : second, newSid(),
                number("crowded")).map(Answer::body));
        assertThat(answers.stream().filter(xml -> xml.contains("<Stream"))).hasSize(CONCURRENT_CALLS);
        assertThat(answers.stream().filter(xml -> xml.contains("<Say>"))).hasSize(10 - CONCURRENT_CALLS);
        StepVerifier.create(count("SELECT count(*) AS n FROM call_logs WHERE tenant_id = 'crowded'"))
                .expectNext((long) CONCURRENT_CALLS).verifyComplete();
    }

    @Test
    void concurrentCallLimitHoldsForMakeCallsSpreadOverBothInstances() {
        int creates = TWILIO_CREATES.get();
        List<Integer> statuses = concurrently(8, i -> makeCall(i % 2 == 0 ? first : second, "dialer-key"));
        assertThat(statuses.stream().filter(status -> status == 200)).hasSize(CONCURRENT_CALLS);
        assertThat(statuses.stream().filter(status -> status == 429)).hasSize(8 - CONCURRENT_CALLS);
        assertThat(TWILIO_CREATES.get() - creates).isEqualTo(CONCURRENT_CALLS);
        // every reserved slot was handed over to its call log
        StepVerifier.create(count("SELECT count(*) AS n FROM call_slot_reservations"))
                .expectNext(0L).verifyComplete();
        StepVerifier.create(count("SELECT count(*) AS n FROM call_logs WHERE tenant_id = 'dialer'"))
                .expectNext((long) CONCURRENT_CALLS).verifyComplete();
    }

    @Test
    void tenantRequestRateIsSharedBetweenTheLiveInstances() {
        await().atMost(Duration.ofSeconds(10)).until(() -> first.getBean(GatewayInstances.class).live() == 2
                && second.getBean(GatewayInstances.class).live() == 2);
        int allowed = 0;
        for (int i = 0; i < 2 * TENANT_BURST; i++) {
            int status = get(i % 2 == 0 ? first : second, "/api/v1/call-logs", "chatty-key");
            assertThat(status).isIn(200, 429);
            allowed += status == 200 ? 1 : 0;
        }
        // each instance lets through its half of the burst, so both together let through the tenant's burst
        assertThat(allowed).isEqualTo(TENANT_BURST);
    }

    @Test
    void mediaTokenUsedOnOneInstanceIsRefusedOnTheOther() {
        String sid = newSid();
        String xml = incomingCall(first, sid, number("streamer")).map(Answer::body).block(Duration.ofSeconds(10));
        Matcher token = MEDIA_TOKEN.matcher(xml);
        assertThat(token.find()).as("TwiML with a media token: %s", xml).isTrue();

        // accepted on the first instance: relayed to the bridge, whose close code comes back
        StepVerifier.create(closeCode(first, start(sid, token.group(1)))).expectNext(4000).verifyComplete();
        // the second instance never saw the token, yet refuses it from the shared record
        StepVerifier.create(closeCode(second, start(sid, token.group(1)))).expectNext(1008).verifyComplete();
        StepVerifier.create(count("SELECT count(*) AS n FROM media_token_uses")).expectNext(1L).verifyComplete();
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    record Answer(int status, String body) {
    }

    private static <T> List<T> concurrently(int n, java.util.function.IntFunction<Mono<T>> request) {
        return Flux.merge(IntStream.range(0, n).mapToObj(request).toList())
                .collectList()
                .block(Duration.ofSeconds(30));
    }

    private static Mono<Answer> incomingCall(ConfigurableApplicationContext gateway, String sid, String to) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("CallSid", sid);
        params.put("AccountSid", "AC1");
        params.put("From", "+15555550100");
        params.put("To", to);
        params.put("CallStatus", "ringing");
        params.put("Direction", "inbound");
        String body = params.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        String signature = TwilioSignatures.sign(TOKEN, BASE + "/api/v1/incoming-call", params);
        return client(gateway).headers(h -> h.set("Content-Type", "application/x-www-form-urlencoded")
                        .set("X-Twilio-Signature", signature))
                .post().uri("/api/v1/incoming-call")
                .send(ByteBufFlux.fromString(Mono.just(body)))
                .responseSingle((response, content) -> content.asString().defaultIfEmpty("")
                        .map(text -> new Answer(response.status().code(), text)));
    }

    private static Mono<Integer> makeCall(ConfigurableApplicationContext gateway, String apiKey) {
        return client(gateway).headers(h -> h.set("Content-Type", "application/json").set("x-api-key", apiKey))
                .post().uri("/api/v1/make-call")
                .send(ByteBufFlux.fromString(Mono.just("{\"to\":\"+15555550100\"}")))
                .responseSingle((response, content) -> content.asString().defaultIfEmpty("")
                        .thenReturn(response.status().code()));
    }

    private static int get(ConfigurableApplicationContext gateway, String path, String apiKey) {
        return client(gateway).headers(h -> h.set("x-api-key", apiKey))
                .get().uri(path)
                .responseSingle((response, content) -> content.asString().defaultIfEmpty("")
                        .thenReturn(response.status().code()))
                .block(Duration.ofSeconds(10));
    }

    private static Mono<Integer> closeCode(ConfigurableApplicationContext gateway, String start) {
        return HttpClient.create().websocket().uri("ws://localhost:" + port(gateway) + "/api/v1/media-stream")
                .handle((in, out) -> out.sendString(Mono.just(start)).then()
                        .onErrorResume(e -> Mono.empty())
                        .thenMany(Flux.<Integer>never())
                        .mergeWith(in.receiveCloseStatus().map(WebSocketCloseStatus::code))
                        .take(1))
                .next()
                .timeout(Duration.ofSeconds(10));
    }

    private static Mono<Long> count(String sql) {
        return db.sql(sql).map(row -> row.get("n", Long.class)).one();
    }

    private static HttpClient client(ConfigurableApplicationContext gateway) {
        return HttpClient.create().baseUrl("http://localhost:" + port(gateway));
    }

    private static int port(ConfigurableApplicationContext gateway) {
        return ((WebServerApplicationContext) gateway).getWebServer().getPort();
    }

    private static String start(String callSid, String token) {
        return "{\"event\":\"start\",\"sequenceNumber\":\"1\",\"streamSid\":\"MZ1\",\"start\":{\"streamSid\":\"MZ1\","
                + "\"accountSid\":\"AC1\",\"callSid\":\"" + callSid + "\",\"tracks\":[\"inbound\"],"
                + "\"customParameters\":{\"token\":\"" + token + "\"},\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\","
                + "\"sampleRate\":8000,\"channels\":1}}}";
    }

    private static String callJson(String account) {
        TWILIO_CREATES.incrementAndGet();
        return "{\"sid\":\"" + newSid() + "\",\"account_sid\":\"" + account + "\",\"to\":\"+15555550100\","
                + "\"from\":\"+15555550000\",\"status\":\"queued\",\"direction\":\"outbound-api\"}";
    }

    private static String number(String tenant) {
        return "+1555556" + String.format("%04d", Math.abs(tenant.hashCode()) % 10000);
    }

    private static String newSid() {
        return "CA" + UUID.randomUUID().toString().replace("-", "");
    }
}
