package dev.voiceagent.testkit.realtime;

import dev.voiceagent.testkit.scenario.CallScripts;
import dev.voiceagent.testkit.scenario.Scenario;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A WebSocket server speaking the OpenAI Realtime (GA) protocol at {@code /v1/realtime}, driven by a
 * {@link Scenario}: it hears the caller through an energy VAD over the appended μ-law and answers with the
 * scenario's transcripts, tool calls and (tone) speech. A session whose {@code session.update} names a call
 * ({@code session.tracing.metadata.call_sid}, else {@code session.tracing.group_id}) with a script in the shared
 * {@link CallScripts} plays that script; every other session plays the default scenario. A {@link RealtimeFault}
 * makes new sessions fail the way a real model does: a refused handshake, a socket dropped mid-response, or a stall
 * mid-response.
 */
public final class RealtimeSimulator implements AutoCloseable {

    /** The WebSocket path, as OpenAI serves it. */
    public static final String PATH = "/v1/realtime";

    private static final Logger log = LoggerFactory.getLogger(RealtimeSimulator.class);
    private static final int MAX_FRAME = 1 << 20;
    private static final int MAX_KEPT_SESSIONS = 200;
    private static final Duration DROP_AFTER = Duration.ofMillis(100);
    private static final WebsocketServerSpec WS_SPEC = WebsocketServerSpec.builder().maxFramePayloadLength(MAX_FRAME).build();

    private final JsonMapper json = JsonMapper.builder().build();
    private final RealtimeSimCodec codec = new RealtimeSimCodec(json);
    private final AtomicReference<Scenario> scenario;
    private final CallScripts scripts;
    private final AtomicReference<String> requiredApiKey = new AtomicReference<>();
    private final AtomicLong sessionIds = new AtomicLong();
    private RealtimeFault fault = RealtimeFault.none();
    private int faultsLeft;
    private final Map<RealtimeFault.Kind, Integer> faultsPlayed = new EnumMap<>(RealtimeFault.Kind.class);
    private final Deque<ObservedSession> sessions = new ArrayDeque<>();
    private final DisposableServer server;

    private RealtimeSimulator(int port, Scenario scenario, CallScripts scripts) {
        this.scenario = new AtomicReference<>(Objects.requireNonNull(scenario, "scenario"));
        this.scripts = Objects.requireNonNull(scripts, "scripts");
        this.server = HttpServer.create()
                .port(port)
                .route(routes -> routes.get(PATH, this::handshake))
                .bindNow(Duration.ofSeconds(10));
        log.info("realtime simulator listening on {} (scenario {})", url(), scenario.name());
    }

    /** Starts a simulator on the given port (0 picks a free one) playing the scenario in every new session. */
    public static RealtimeSimulator start(int port, Scenario scenario) {
        return new RealtimeSimulator(port, scenario, new CallScripts(Duration.ofMinutes(10)));
    }

    /** As {@link #start(int, Scenario)}, with per-call scripts shared with the Twilio simulator. */
    public static RealtimeSimulator start(int port, Scenario scenario, CallScripts scripts) {
        return new RealtimeSimulator(port, scenario, scripts);
    }

    /** Makes the handshake require {@code Authorization: Bearer <apiKey>} (401 otherwise); null accepts any. */
    public RealtimeSimulator requireApiKey(String apiKey) {
        requiredApiKey.set(apiKey);
        return this;
    }

    /** Plays this scenario in sessions opened from now on that have no per-call script. */
    public void useScenario(Scenario next) {
        scenario.set(Objects.requireNonNull(next, "scenario"));
    }

    /** Plays this fault in sessions opened from now on ({@link RealtimeFault#none()} to stop). */
    public synchronized void useFault(RealtimeFault next) {
        fault = Objects.requireNonNull(next, "fault");
        faultsLeft = next.sessions();
    }

    /** How many handshakes or sessions have played a fault of this kind so far. */
    public synchronized int faultsPlayed(RealtimeFault.Kind kind) {
        return faultsPlayed.getOrDefault(kind, 0);
    }

    /** The fault the next handshake gets, counting it against a bounded fault's sessions. */
    private synchronized RealtimeFault nextFault() {
        if (fault.kind() == RealtimeFault.Kind.NONE) {
            return fault;
        }
        if (fault.sessions() > 0) {
            if (faultsLeft == 0) {
                return RealtimeFault.none();
            }
            faultsLeft--;
        }
        return fault;
    }

    synchronized void faultPlayed(RealtimeFault.Kind kind) {
        faultsPlayed.merge(kind, 1, Integer::sum);
    }

    /** The bound port. */
    public int port() {
        return server.port();
    }

    /** The URL clients connect to, {@code ws://localhost:<port>/v1/realtime}. */
    public String url() {
        return "ws://localhost:" + port() + PATH;
    }

    /** The sessions seen so far (the most recent 200), oldest first. */
    public List<ObservedSession> sessions() {
        synchronized (sessions) {
            return List.copyOf(sessions);
        }
    }

    /** The most recent session, waiting up to {@code timeout} for one to open. */
    public Mono<ObservedSession> awaitSession(Duration timeout) {
        return Flux.interval(Duration.ZERO, Duration.ofMillis(20))
                .map(tick -> sessions())
                .filter(list -> !list.isEmpty())
                .map(list -> list.get(list.size() - 1))
                .next()
                .timeout(timeout);
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
    }

    private Publisher<Void> handshake(HttpServerRequest request, HttpServerResponse response) {
        String authorization = request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        String expected = requiredApiKey.get();
        if (expected != null && !("Bearer " + expected).equals(authorization)) {
            return response.status(HttpResponseStatus.UNAUTHORIZED)
                    .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .sendString(Mono.just("{\"error\":{\"message\":\"Incorrect API key provided.\","
                            + "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\",\"param\":null}}"));
        }
        List<String> models = new QueryStringDecoder(request.uri()).parameters().get("model");
        String model = models == null || models.isEmpty() ? null : models.get(0);
        RealtimeFault sessionFault = nextFault();
        if (sessionFault.kind() == RealtimeFault.Kind.REFUSE) {
            faultPlayed(RealtimeFault.Kind.REFUSE);
            return response.status(HttpResponseStatus.valueOf(sessionFault.httpStatus()))
                    .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .sendString(Mono.just("{\"error\":{\"message\":\"The server is overloaded; try again later.\","
                            + "\"type\":\"server_error\",\"code\":null,\"param\":null}}"));
        }
        return response.sendWebsocket((in, out) -> converse(in, out, authorization, model, sessionFault), WS_SPEC);
    }

    private Mono<Void> converse(WebsocketInbound in, WebsocketOutbound out, String authorization, String model,
                                RealtimeFault sessionFault) {
        String id = "sess_" + String.format("%06d", sessionIds.incrementAndGet());
        ObservedSession observed = remember(new ObservedSession(id, authorization, model));
        // a drop closes the TCP connection itself: no close frame, as when a model host or its network fails; the
        // short delay lets the events queued before it (the response's first audio) reach the client first
        Runnable drop = () -> Mono.delay(DROP_AFTER).subscribe(tick ->
                in.withConnection(connection -> connection.channel().close()));
        RealtimeSimSession session = new RealtimeSimSession(id, scenario.get(), observed, json, sessionFault,
                kind -> {
                    faultPlayed(kind);
                    if (kind == RealtimeFault.Kind.DROP) {
                        drop.run();
                    }
                });
        session.open();
        Mono<Void> outbound = out.sendString(session.events().map(this::encode)).then();
        Mono<Void> inbound = in.aggregateFrames(MAX_FRAME).receive().asString()
                .doOnNext(frame -> session.onFrame(frame, withCallScript(session, codec.decode(frame))))
                .then()
                .doFinally(signal -> session.close());
        // Both directions must end: the inbound ends when the client closes, which completes the outbound queue.
        return Mono.when(inbound, outbound);
    }

    /** A {@code session.update} naming a call with a script switches the session to that script first. */
    private RealtimeClientEvent withCallScript(RealtimeSimSession session, RealtimeClientEvent event) {
        if (event instanceof RealtimeClientEvent.SessionUpdate update) {
            scripts.forCall(tracedCallSid(update.session())).ifPresent(session::useScript);
        }
        return event;
    }

    /** The call a session is traced for: {@code tracing.metadata.call_sid}, else {@code tracing.group_id}. */
    static String tracedCallSid(JsonNode session) {
        JsonNode tracing = session.path("tracing");
        String callSid = tracing.path("metadata").path("call_sid").asString(null);
        return callSid != null ? callSid : tracing.path("group_id").asString(null);
    }

    private String encode(RealtimeServerEvent event) {
        String frame = codec.encode(event);
        if (log.isTraceEnabled()) {
            log.trace("realtime sim -> {}", frame);
        }
        return frame;
    }

    private ObservedSession remember(ObservedSession observed) {
        synchronized (sessions) {
            sessions.addLast(observed);
            while (sessions.size() > MAX_KEPT_SESSIONS) {
                sessions.removeFirst();
            }
        }
        return observed;
    }
}
