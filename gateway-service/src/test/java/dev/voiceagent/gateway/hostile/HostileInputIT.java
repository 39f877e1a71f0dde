package dev.voiceagent.gateway.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.gateway.GatewayApplication;
import dev.voiceagent.gateway.media.MediaTokens;
import dev.voiceagent.gateway.testing.MediaStreamClient;
import dev.voiceagent.gateway.testing.Tenants;
import dev.voiceagent.gateway.twilio.TwilioSignatures;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.SharedInfrastructure;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * Hostile and malformed input against every public input of the gateway (one application context for all
 * properties): no 5xx, errors as problem+json without internals, nothing written for a rejected request; media
 * streams closed with a policy or protocol code in bounded time, the bridge never contacted without a valid start.
 */
class HostileInputIT {

    static final String TOKEN = "hostile-twilio-token";
    static final String BASE = "https://voice.example.com";
    static final String API_KEY = "acme-hostile-key";
    static final int MAX_FRAME = 8192;
    static final Set<Integer> REFUSAL_CODES = Set.of(1003, 1007, 1008, 1009);

    static final int FLOOD = 32;
    static final Set<Integer> CODEC_REFUSALS = Set.of(414, 431);
    static final String INTERNALS = "(?i)exception|\\bat [a-z]+\\.[a-z]|java\\.|dev\\.voiceagent\\."
            + "|tools\\.jackson|org\\.springframework|io\\.netty|reactor\\.";
    static final List<String> BARE_REFUSALS = new java.util.concurrent.CopyOnWriteArrayList<>();
    static final AtomicInteger BRIDGE_CONNECTIONS = new AtomicInteger();
    static DisposableServer stubs;
    static ConfigurableApplicationContext context;
    static int port;

    @BeforeContainer
    static void start() {
        // one stand-in for the bridge (WebSocket and HTTP API), Twilio's REST API and the proxied upstreams
        stubs = HttpServer.create().port(0).route(routes -> routes
                .ws("/internal/v1/media-stream", (in, out) -> {
                    BRIDGE_CONNECTIONS.incrementAndGet();
                    return out.sendClose(4000, "stand-in");
                })
                .post("/2010-04-01/Accounts/{account}/Calls.json", (request, response) -> request.receive().then(
                        response.status(201).header("Content-Type", "application/json")
                                .sendString(Mono.just(callJson(request.param("account")))).then()))
                .route(request -> true, (request, response) -> request.receive().then(
                        response.status(200).header("Content-Type", "application/json")
                                .sendString(Mono.just("{\"stub\":true}")).then())))
                .bindNow();
        String stub = "http://localhost:" + stubs.port();
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("server.port", "0");
        properties.put("spring.kafka.bootstrap-servers", SharedInfrastructure.kafka());
        properties.putAll(SharedInfrastructure.freshDatabase("HostileInputIT").serviceProperties());
        properties.put("voice.twilio.account-sid", "AC0123456789abcdef0123456789abcdef");
        properties.put("voice.twilio.auth-token", TOKEN);
        properties.put("voice.twilio.api-base-url", stub);
        properties.put("voice.gateway.public-base-url", BASE);
        properties.put("voice.gateway.media-token-secrets", "hostile-secret");
        properties.put("voice.gateway.stream-start-timeout", "500ms");
        properties.put("voice.gateway.max-frame-bytes", String.valueOf(MAX_FRAME));
        properties.put("voice.gateway.max-webhook-bytes", "8192");
        properties.put("voice.gateway.limits.enabled", "false");
        properties.put("voice.gateway.prewarm.enabled", "false");
        properties.put("voice.gateway.bridge-url", "ws://localhost:" + stubs.port() + "/internal/v1/media-stream");
        for (String upstream : List.of("bridge-api-url", "config-url", "evaluation-url", "callback-url")) {
            properties.put("voice.gateway." + upstream, stub);
        }
        context = new SpringApplicationBuilder(GatewayApplication.class)
                .initializers(app -> app.getEnvironment().getPropertySources()
                        .addFirst(new MapPropertySource("hostileInput", properties)))
                .run();
        context.getBean(TenantDirectory.class).apply(Tenants.tenant("acme", API_KEY, "+15555550000", true));
        port = ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    @AfterContainer
    static void stop() {
        if (!BARE_REFUSALS.isEmpty()) {
            System.out.println("HOSTILE bare 4xx refusals (no problem body): " + BARE_REFUSALS.size() + ", e.g. "
                    + BARE_REFUSALS.subList(0, Math.min(5, BARE_REFUSALS.size())));
        }
        if (context != null) {
            context.close();
        }
        if (stubs != null) {
            stubs.disposeNow();
        }
    }

    // ---- Twilio webhooks ----------------------------------------------------------------------------------

    /** A webhook post: path, content type, raw body and signature header (valid, forged or absent). */
    record Webhook(String path, String contentType, byte[] body, String signature) {
        @Override
        public String toString() {
            return path + " [" + contentType + "] sig=" + signature + " body="
                    + new String(body, 0, Math.min(body.length, 300), StandardCharsets.ISO_8859_1);
        }
    }

    @Property(tries = 150)
    void twilioWebhooksNeverFailOrLeakAndRejectWithoutWriting(@ForAll("webhooks") Webhook hook) {
        long before = rowsWritten();
        Map<String, String> headers = new LinkedHashMap<>();
        if (hook.contentType() != null) {
            headers.put("Content-Type", hook.contentType());
        }
        if (hook.signature() != null) {
            headers.put("X-Twilio-Signature", hook.signature());
        }
        Answer result = exchange(HttpMethod.POST, hook.path(), headers, hook.body());
        assertCleanAnswer(result, true);
        if (result.isRejected()) {
            assertThat(rowsWritten()).as("rows after a rejected webhook").isEqualTo(before);
        }
    }

    @Provide
    Arbitrary<Webhook> webhooks() {
        Arbitrary<String> paths = Arbitraries.of("/api/v1/incoming-call", "/api/v1/call-status", "/api/v1/amd-status");
        Arbitrary<String> types = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just("application/x-www-form-urlencoded")),
                Tuple.of(1, Arbitraries.of("application/json", "text/plain", "multipart/form-data; boundary=x",
                        "application/x-www-form-urlencoded; charset=ISO-8859-1", "foo", "/", "application/",
                        "text/xml; charset=\"", "*/*")),
                Tuple.of(1, Arbitraries.just((String) null)));
        // signed parameter maps (the signature a real Twilio would send), or raw bodies with made-up signatures
        Arbitrary<Webhook> signed = Combinators.combine(paths, types, HostileArbitraries.twilioParams(),
                        Arbitraries.integers().between(0, 3))
                .as((path, type, params, mode) -> new Webhook(path, type, encode(params).getBytes(StandardCharsets.UTF_8),
                        switch (mode) {
                            case 0 -> null;
                            case 1 -> "forged";
                            default -> TwilioSignatures.sign(TOKEN, BASE + path, params);
                        }));
        Arbitrary<Webhook> raw = Combinators.combine(paths, types, rawBodies(),
                        Arbitraries.of("", "x", "AAAA", TwilioSignatures.sign(TOKEN, BASE, Map.of())))
                .as((path, type, body, signature) -> new Webhook(path, type, body, signature));
        Arbitrary<Webhook> json = Combinators.combine(paths, HostileArbitraries.jsonTrees())
                .as((path, body) -> new Webhook(path + "?bodySHA256=" + TwilioSignatures.bodySha256(body),
                        "application/json", body.getBytes(StandardCharsets.UTF_8),
                        TwilioSignatures.sign(TOKEN, BASE + path + "?bodySHA256=" + TwilioSignatures.bodySha256(body),
                                Map.of())));
        return Arbitraries.frequencyOf(Tuple.of(5, signed), Tuple.of(3, raw), Tuple.of(2, json));
    }

    private static Arbitrary<byte[]> rawBodies() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, HostileArbitraries.rawForms().map(s -> s.getBytes(StandardCharsets.UTF_8))),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(200)),
                Tuple.of(1, Arbitraries.of(new byte[] {'T', 'o', '=', (byte) 0xC3, (byte) 0x28},
                        new byte[] {(byte) 0xFF, (byte) 0xFE, '=', 'x'}, new byte[0])),
                Tuple.of(1, Arbitraries.integers().between(8_000, 40_000).map(n -> ("To=" + "9".repeat(n)).getBytes(
                        StandardCharsets.UTF_8))));
    }

    // ---- make-call ----------------------------------------------------------------------------------------

    record MakeCall(String apiKey, String contentType, String idempotencyKey, String body) {
        @Override
        public String toString() {
            return "key=" + apiKey + " type=" + contentType + " idem=" + idempotencyKey + " body="
                    + body.substring(0, Math.min(body.length(), 300));
        }
    }

    @Property(tries = 150)
    void makeCallAnswersEveryBodyWithoutFailingOrLeaking(@ForAll("makeCalls") MakeCall call) {
        long before = rowsWritten();
        Map<String, String> headers = new LinkedHashMap<>();
        if (call.apiKey() != null) {
            headers.put("x-api-key", call.apiKey());
        }
        if (call.contentType() != null) {
            headers.put("Content-Type", call.contentType());
        }
        if (call.idempotencyKey() != null) {
            headers.put("Idempotency-Key", call.idempotencyKey());
        }
        Answer result = exchange(HttpMethod.POST, "/api/v1/make-call", headers,
                call.body().getBytes(StandardCharsets.UTF_8));
        assertCleanAnswer(result, false);
        if (result.isRejected()) {
            assertThat(rowsWritten()).as("rows after a rejected make-call").isEqualTo(before);
        }
    }

    @Provide
    Arbitrary<MakeCall> makeCalls() {
        Arbitrary<String> keys = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just(API_KEY)),
                Tuple.of(1, Arbitraries.just((String) null)), Tuple.of(1, Arbitraries.strings().withCharRange(' ', '~')
                        .ofMaxLength(300)));
        Arbitrary<String> types = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just("application/json")),
                Tuple.of(1, Arbitraries.of("text/plain", "application/x-www-form-urlencoded", "foo/bar; x=\"",
                        "application/json; charset=UTF-16")),
                Tuple.of(1, Arbitraries.just((String) null)));
        Arbitrary<String> idempotency = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just((String) null)),
                Tuple.of(1, Arbitraries.strings().withCharRange('a', 'z').ofMaxLength(400)));
        Arbitrary<String> bodies = Arbitraries.frequencyOf(Tuple.of(8, HostileArbitraries.makeCallBodies()),
                Tuple.of(1, Arbitraries.integers().between(16_000, 40_000)
                        .map(n -> "{\"to\":\"+15555550100\",\"greeting\":\"" + "x".repeat(n) + "\"}")));
        return Combinators.combine(keys, types, idempotency, bodies).as(MakeCall::new);
    }

    // ---- tenant and admin routes ---------------------------------------------------------------------------

    record Route(HttpMethod method, String uri, Map<String, String> headers) {
    }

    @Property(tries = 150)
    void tenantAndAdminRoutesAnswerRandomHeadersWithoutFailingOrLeaking(@ForAll("routes") Route route) {
        long before = rowsWritten();
        Answer result = exchange(route.method(), route.uri(), route.headers(), null);
        if (result.isRejected() && !isProblem(result)) {
            // Known gap, counted and reported rather than hidden: an unparseable Accept or Content-Type, an Accept of
            // text/event-stream, or a query with bad percent-encoding gets its 4xx without a problem body.
            BARE_REFUSALS.add(result.status() + " [" + result.contentType() + "] " + abbreviate(result.body()) + " "
                    + route);
            assertThat(result.body()).doesNotContainPattern(INTERNALS);
            return;
        }
        assertCleanAnswer(result, false);
        assertThat(rowsWritten()).isEqualTo(before);
    }

    /** The refusals that used to come without a body: an unparseable URI, Accept or Content-Type. */
    @Example
    void malformedUrisAndHeadersGetProblemBodies() {
        List<Route> cases = List.of(
                new Route(HttpMethod.GET, "/api/v1/call-logs?limit=%", Map.of("x-api-key", API_KEY)),
                new Route(HttpMethod.GET, "/api/v1/call-logs?from_date=%E2%82", Map.of("x-api-key", API_KEY)),
                new Route(HttpMethod.GET, "/api/v1/call-logs/CA" + "0".repeat(32), Map.of("Accept", "1.2.3.4, ::1, garbage")),
                new Route(HttpMethod.GET, "/api/v1/call-logs/CA" + "0".repeat(32),
                        Map.of("Accept", "1.2.3.4, ::1, garbage", "x-api-key", API_KEY)),
                new Route(HttpMethod.GET, "/api/v1/calls/CA" + "0".repeat(32) + "/logs/stream", Map.of("Accept", "tDQWZ;\\iFjN")),
                new Route(HttpMethod.GET, "/api/v1/calls/CA" + "0".repeat(32) + "/logs/stream",
                        Map.of("Accept", "text/event-stream", "x-api-key", API_KEY)),
                new Route(HttpMethod.POST, "/api/v1/make-call", Map.of("Content-Type", "a/b/c", "x-api-key", API_KEY)),
                new Route(HttpMethod.GET, "/api/v1/voice-sessions?limit=%", Map.of("x-api-key", API_KEY)));
        List<String> bare = new ArrayList<>();
        for (Route route : cases) {
            Answer answer = exchange(route.method(), route.uri(), route.headers(), null);
            if (!answer.isRejected() || !isProblem(answer)) {
                bare.add(answer.status() + " [" + answer.contentType() + "] " + abbreviate(answer.body()) + " " + route);
            }
            assertThat(answer.body()).doesNotContainPattern(INTERNALS);
        }
        assertThat(bare).as("4xx without a problem body").isEmpty();
    }

    @Provide
    Arbitrary<Route> routes() {
        Arbitrary<String> sid = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just("CA" + "0".repeat(32))),
                Tuple.of(1, Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(60)),
                Tuple.of(1, Arbitraries.of("%00", "%E2%82", "..%2F..%2Fetc", "%25", "a%2Fb")));
        Arbitrary<String> query = Combinators.combine(
                        Arbitraries.of("limit", "offset", "status", "direction", "outcome", "from_date", "to_date", "x"),
                        Arbitraries.frequencyOf(Tuple.of(2, Arbitraries.of("-1", "0", "201", "abc", "9999999999999",
                                        "2026-13-45", "2026-01-01T00:00:00Z", "completed", "%", "%E2%82")),
                                Tuple.of(1, Arbitraries.strings().alpha().ofMaxLength(20))))
                .as((name, value) -> name + "=" + value).list().ofMaxSize(4).map(q -> String.join("&", q));
        Arbitrary<String> uris = Arbitraries.oneOf(
                query.map(q -> "/api/v1/call-logs?" + q),
                sid.map(s -> "/api/v1/call-logs/" + s),
                sid.map(s -> "/api/v1/calls/" + s + "/logs/stream"),
                Arbitraries.of("/api/v1/admin/tenants", "/api/v1/admin/tenants/acme", "/api/v1/evaluations/runs",
                        "/api/v1/callbacks/x", "/api/v1/voice-sessions", "/api/v1/active-sessions"));
        Arbitrary<String> headerNames = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("x-api-key", "x-admin-key", "Accept", "Content-Type", "X-Forwarded-For",
                        "X-Forwarded-Host", "X-Forwarded-Proto", "Idempotency-Key", "Last-Event-ID", "Range",
                        "Accept-Encoding", "X-Voice-Tenant-Id", "Authorization")),
                Tuple.of(1, Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(20)));
        Arbitrary<String> headerValues = Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.of(API_KEY, "", "*/*", "text/event-stream", "application/json;q=x", "../",
                        "1.2.3.4, ::1, garbage", "a/b/c", "bytes=0-", "gzip, br, x")),
                Tuple.of(2, Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(200)),
                Tuple.of(1, Arbitraries.strings().withCharRange('a', 'z').ofMinLength(4000).ofMaxLength(6000)));
        Arbitrary<Map<String, String>> headers = Arbitraries.maps(headerNames, headerValues).ofMaxSize(5);
        Arbitrary<HttpMethod> methods = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just(HttpMethod.GET)),
                Tuple.of(1, Arbitraries.of(HttpMethod.POST, HttpMethod.DELETE, HttpMethod.PUT, HttpMethod.OPTIONS)));
        return Combinators.combine(methods, uris, headers).as(Route::new);
    }

    // ---- media stream --------------------------------------------------------------------------------------

    /** A frame a hostile or broken client sends before any valid start. */
    record Sent(String description, WebSocketFrame frame) {
        @Override
        public String toString() {
            return description;
        }
    }

    @Property(tries = 100)
    void mediaStreamsWithoutAValidStartAreClosedWithAPolicyCodeAndNeverReachTheBridge(
            @ForAll("frameSequences") List<Sent> frames) {
        int bridgeBefore = BRIDGE_CONNECTIONS.get();
        int code = MediaStreamClient.closeCodeOfFrames("ws://localhost:" + port + "/api/v1/media-stream",
                Flux.fromIterable(frames).map(sent -> sent.frame().retain()), Duration.ofSeconds(5));
        // a flood too: the gateway reads what is still arriving while it closes, so no reset overtakes the close
        assertThat(code).as("close code (-1: the connection ended without one)").isIn(REFUSAL_CODES);
        assertThat(BRIDGE_CONNECTIONS.get()).as("bridge connections").isEqualTo(bridgeBefore);
    }

    @Provide
    Arbitrary<List<Sent>> frameSequences() {
        String connected = "{\"event\":\"connected\",\"protocol\":\"Call\",\"version\":\"1.0.0\"}";
        MediaTokens tokens = context.getBean(MediaTokens.class);
        Arbitrary<Sent> frame = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(connected).map(HostileInputIT::text)),
                Tuple.of(2, HostileArbitraries.jsonTrees().map(HostileInputIT::text)),
                Tuple.of(2, Arbitraries.strings().ofMaxLength(50).map(HostileInputIT::text)),
                Tuple.of(2, Arbitraries.strings().ofMaxLength(20).map(HostileInputIT::media)),
                Tuple.of(3, startFrames(tokens)),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(64)
                        .map(b -> new Sent("binary", new BinaryWebSocketFrame(Unpooled.wrappedBuffer(b))))),
                Tuple.of(1, Arbitraries.of(new byte[] {(byte) 0xC3, 0x28}, new byte[] {(byte) 0xFF},
                        new byte[] {'{', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '}'})
                        .map(b -> new Sent("invalid UTF-8 text", new TextWebSocketFrame(Unpooled.wrappedBuffer(b))))),
                Tuple.of(1, Arbitraries.integers().between(MAX_FRAME + 1, MAX_FRAME * 4)
                        .map(n -> text("{\"event\":\"media\",\"media\":{\"payload\":\"" + "A".repeat(n) + "\"}}"))));
        Arbitrary<List<Sent>> flood = Arbitraries.integers().between(50, 400)
                .map(n -> java.util.stream.IntStream.range(0, n).mapToObj(i -> media("//8=")).toList());
        return Arbitraries.frequencyOf(Tuple.of(6, frame.list().ofMaxSize(6)), Tuple.of(1, flood));
    }

    /** Start frames that must be refused: forged, missing, reused or another call's token, or no callSid. */
    private static Arbitrary<Sent> startFrames(MediaTokens tokens) {
        return Arbitraries.of(0, 1, 2, 3, 4, 5).map(kind -> {
            String sid = newSid();
            return switch (kind) {
                case 0 -> text(start(sid, "forged.token"));
                case 1 -> text(start(sid, null));
                case 2 -> text(start(sid, tokens.mint(newSid(), "acme", "support", "v1", "+15555550100", "inbound")));
                case 3 -> {
                    String used = tokens.mint(sid, "acme", "support", "v1", "+15555550100", "inbound");
                    tokens.consume(used, sid);
                    yield text(start(sid, used));
                }
                case 4 -> text("{\"event\":\"start\",\"start\":{\"customParameters\":{\"token\":\"x\"}}}");
                default -> text("{\"event\":\"start\",\"start\":{\"callSid\":42,\"customParameters\":[]}}");
            };
        });
    }

    private static boolean isProblem(Answer answer) {
        try {
            return answer.contentType() != null
                    && MediaType.parseMediaType(answer.contentType()).isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 120 ? text.substring(0, 120) + "…" : text;
    }

    // ---- shared checks -------------------------------------------------------------------------------------

    /** A response as the wire carried it. */
    record Answer(int status, String contentType, String body) {
        boolean isRejected() {
            return status >= 400 && status < 500;
        }
    }

    /** One request over a raw client, so that malformed headers reach the gateway unchecked. */
    private static Answer exchange(HttpMethod method, String uri, Map<String, String> headers, byte[] body) {
        return HttpClient.create().baseUrl("http://localhost:" + port)
                .headers(h -> headers.forEach(h::set))
                .request(io.netty.handler.codec.http.HttpMethod.valueOf(method.name()))
                .uri(uri)
                .send(body == null ? Mono.empty() : Mono.just(Unpooled.wrappedBuffer(body)))
                .responseSingle((response, content) -> content.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                        .map(text -> new Answer(response.status().code(),
                                response.responseHeaders().get("Content-Type"), text)))
                .timeout(Duration.ofSeconds(10))
                .block();
    }

    private static void assertCleanAnswer(Answer result, boolean twimlAllowed) {
        int status = result.status();
        String body = result.body();
        assertThat(status).as("status; body %s", body).isLessThan(500);
        if (CODEC_REFUSALS.contains(status) && body.isEmpty()) {
            // refused by the HTTP codec before any gateway code ran (oversized request line or headers)
            return;
        }
        MediaType type = result.contentType() == null ? null : MediaType.parseMediaType(result.contentType());
        if (status >= 400) {
            assertThat(type).as("content type of %s, body [%s]", status, body).isNotNull();
            assertThat(type.isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).as("problem+json, was %s", type)
                    .isTrue();
        } else if (twimlAllowed && status == 200) {
            assertThat(type).isNotNull();
            assertThat(type.isCompatibleWith(MediaType.TEXT_XML)).as("TwiML, was %s", type).isTrue();
        }
        assertThat(body).doesNotContainPattern(INTERNALS);
    }

    /** Rows of the gateway's tables that a request could write. */
    private static long rowsWritten() {
        return context.getBean(DatabaseClient.class)
                .sql("SELECT (SELECT count(*) FROM call_logs) + (SELECT count(*) FROM outbox_events)"
                        + " + (SELECT count(*) FROM make_call_requests) AS n")
                .map(row -> row.get("n", Long.class)).one().block(Duration.ofSeconds(5));
    }

    private static String encode(Map<String, String> params) {
        List<String> pairs = new ArrayList<>();
        params.forEach((name, value) -> pairs.add(URLEncoder.encode(name, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return String.join("&", pairs);
    }

    private static Sent text(String text) {
        return new Sent(text.length() > 200 ? text.substring(0, 200) + "…(" + text.length() + ")" : text,
                new TextWebSocketFrame(text));
    }

    private static Sent media(String payload) {
        return text("{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":{\"track\":\"inbound\",\"payload\":"
                + HostileArbitraries.quote(payload) + "}}");
    }

    static String start(String callSid, String token) {
        String params = token == null ? "{}" : "{\"token\":\"" + token + "\"}";
        return "{\"event\":\"start\",\"streamSid\":\"MZ1\",\"start\":{\"streamSid\":\"MZ1\",\"accountSid\":\"AC1\","
                + "\"callSid\":\"" + callSid + "\",\"tracks\":[\"inbound\"],\"customParameters\":" + params + "}}";
    }

    static String newSid() {
        return "CA" + UUID.randomUUID().toString().replace("-", "");
    }

    private static String callJson(String account) {
        return "{\"sid\":\"" + newSid() + "\",\"account_sid\":\"" + account + "\",\"to\":\"+15555550100\","
                + "\"from\":\"+15555550000\",\"status\":\"queued\",\"direction\":\"outbound-api\"}";
    }
}
