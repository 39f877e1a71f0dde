package dev.voiceagent.gateway.media;

import static dev.voiceagent.gateway.media.MediaStreamIT.CONNECTED;
import static dev.voiceagent.gateway.media.MediaStreamIT.media;
import static dev.voiceagent.gateway.media.MediaStreamIT.newSid;
import static dev.voiceagent.gateway.media.MediaStreamIT.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.support.LingeringClose;
import dev.voiceagent.support.observability.TraceContinuation;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import dev.voiceagent.testkit.kafka.TopicProbe;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * A media bridge that dies mid-call (its connection drops without a close frame) with the caller still on the line:
 * the gateway has Twilio play an apology and hang up, closes the stream, and records the call's outcome unless the
 * bridge's own outcome reached the call log first. A bridge that refuses the call before it says anything (1013 at
 * capacity, 1008 for what it does not know) is treated the same way, and its code still reaches Twilio. A bridge that
 * closes its side properly is not a loss.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.twilio.account-sid=AC0123456789abcdef0123456789abcdef",
        "voice.twilio.auth-token=bridge-loss-token",
        "voice.twilio.timeout=3s",
        "voice.gateway.media-token-secrets=bridge-loss-secret",
        "voice.gateway.bridge-loss-outcome-grace=1s",
        "voice.gateway.bridge-connect-timeout=2s"})
@VoiceInfrastructure
class BridgeLossIT {

    /** Twilio call updates by call SID: the TwiML each one carried. */
    static final Map<String, String> TWIML_UPDATES = new ConcurrentHashMap<>();
    /** Calls whose bridge connection the stand-in drops on the first media frame; the others it closes with 4001. */
    static final Set<String> DROP = ConcurrentHashMap.newKeySet();

    static final DisposableServer TWILIO = HttpServer.create().port(0)
            .route(routes -> routes.post("/2010-04-01/Accounts/{account}/Calls/{sid}.json", (request, response) ->
                    request.receive().aggregate().asString().defaultIfEmpty("").flatMap(body -> {
                        for (String pair : body.split("&")) {
                            if (pair.startsWith("Twiml=")) {
                                TWIML_UPDATES.put(request.param("sid"),
                                        URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8));
                            }
                        }
                        return response.status(200).header("Content-Type", "application/json")
                                .sendString(Mono.just("{\"sid\":\"" + request.param("sid") + "\",\"account_sid\":\""
                                        + request.param("account") + "\",\"status\":\"in-progress\"}"))
                                .then();
                    })))
            .bindNow();

    /** Calls the stand-in refuses as the connection opens, with this close code. */
    static final Map<String, Integer> REFUSE = new ConcurrentHashMap<>();
    /** Calls whose first connection the stand-in refuses at capacity; the next one has room. */
    static final Set<String> REFUSE_FIRST = ConcurrentHashMap.newKeySet();
    /** Per call, the frames each connection the gateway opened for it received, in order of the connections. */
    static final Map<String, List<List<String>>> CONNECTIONS = new ConcurrentHashMap<>();
    /** Calls whose first media frame the stand-in answers with audio, then closes with 1008. */
    static final Set<String> SPEAK_THEN_1008 = ConcurrentHashMap.newKeySet();

    /** Calls whose upgrade request the stand-in takes and never answers: a wedged instance. */
    static final Set<String> NEVER_UPGRADE = ConcurrentHashMap.newKeySet();

    static final DisposableServer BRIDGE = LingeringClose.onEveryConnection(HttpServer.create(),
                    LingeringClose.DEFAULT_LINGER).port(0)
            .route(routes -> routes.route(request -> NEVER_UPGRADE.contains(request.requestHeaders()
                            .get("X-Voice-Call-Sid")), (request, response) -> Mono.never())
                    .ws("/internal/v1/media-stream", (in, out) -> {
                String callSid = in.headers().get("X-Voice-Call-Sid");
                List<String> frames = new CopyOnWriteArrayList<>();
                List<List<String>> connections = CONNECTIONS.computeIfAbsent(callSid, sid -> new CopyOnWriteArrayList<>());
                connections.add(frames);
                Integer refusal = REFUSE_FIRST.contains(callSid) && connections.size() == 1 ? Integer.valueOf(1013)
                        : REFUSE.get(callSid);
                if (refusal != null) {
                    // as the bridge does at capacity, or for a tenant or agent it does not know
                    return out.sendClose(refusal, refusal == 1013 ? "media bridge at capacity" : "unknown agent support");
                }
                AtomicReference<Connection> connection = new AtomicReference<>();
                in.withConnection(connection::set);
                return in.receive().asString().concatMap(text -> {
                    frames.add(text);
                    if (!text.contains("\"event\":\"media\"")) {
                        return Mono.<Void>empty();
                    }
                    if (SPEAK_THEN_1008.contains(callSid)) {
                        return out.sendString(Mono.just(MediaStreamIT.BRIDGE_MEDIA)).then()
                                .then(out.sendClose(1008, "start does not match X-Voice-Call-Sid"));
                    }
                    if (DROP.contains(callSid)) {
                        // the process dies: the TCP connection ends with no WebSocket close frame
                        connection.get().channel().close();
                        return Mono.<Void>empty();
                    }
                    return out.sendClose(4001, "bridge done");
                }).then();
            }))
            .bindNow();

    @DynamicPropertySource
    static void endpoints(DynamicPropertyRegistry registry) {
        registry.add("voice.twilio.api-base-url", () -> "http://localhost:" + TWILIO.port());
        registry.add("voice.gateway.bridge-url", () -> "ws://localhost:" + BRIDGE.port() + "/internal/v1/media-stream");
    }

    @AfterAll
    static void stop() {
        TWILIO.disposeNow();
        BRIDGE.disposeNow();
    }

    @LocalServerPort int port;
    @Autowired MediaTokens tokens;
    @Autowired DatabaseClient db;
    @Autowired MeterRegistry meters;
    @Value("${spring.kafka.bootstrap-servers}") String bootstrap;

    @Test
    void aBridgeThatDiesMidCallLeavesTheCallerAnApologyAndTheCallAnOutcome() {
        double lostBefore = counted("voice.gateway.bridge.streams_failed", "lost");
        String sid = newSid();
        DROP.add(sid);
        String traceId = java.util.UUID.randomUUID().toString().replace("-", "");
        String callTrace = "00-" + traceId + "-00f067aa0ba902b7-01";
        String token = tokens.mint(sid, "acme", "support", "acme-support-v1", "+15555550100", "inbound", callTrace);

        int code = closeCodeAfter(CONNECTED, start(sid, token), media(1));

        assertThat(code).as("the stream closes as a server error").isEqualTo(1011);
        assertThat(TWIML_UPDATES.get(sid)).as("Twilio was told what to play before the stream closed")
                .contains("<Say>" + BridgeLoss.MESSAGE + "</Say>").contains("<Hangup/>");
        theGatewaysOutcome(sid, BridgeLoss.REASON);
        assertThat(counted("voice.gateway.bridge.streams_failed", "lost") - lostBefore).isEqualTo(1);
        // the fallback outcome is a span of the call's own trace, as the outcomes the bridge publishes are
        var header = outcomesOf(sid, 1).get(0).headers().lastHeader(TraceContinuation.TRACEPARENT);
        assertThat(header).as("the outcome record's traceparent").isNotNull();
        assertThat(new String(header.value(), StandardCharsets.UTF_8)).startsWith("00-" + traceId + "-")
                .as("a span of its own in that trace").doesNotContain("00f067aa0ba902b7");
    }

    @Test
    void aBridgeThatNeverAnswersTheUpgradeIsGivenUpAfterTheConnectTimeout() {
        String sid = newSid();
        NEVER_UPGRADE.add(sid);
        String token = tokens.mint(sid, "acme", "support", "acme-support-v1", "+15555550100", "inbound", null);

        int code = closeCodeAfter(CONNECTED, start(sid, token), media(1));

        assertThat(code).as("the stream closes as a server error").isEqualTo(1011);
        assertThat(TWIML_UPDATES.get(sid)).as("the caller hears the apology, not silence")
                .contains("<Say>" + BridgeLoss.MESSAGE + "</Say>").contains("<Hangup/>");
        theGatewaysOutcome(sid, BridgeLoss.REASON);
    }

    @Test
    void anOutcomeTheBridgeReportedWithinTheGraceStands() {
        String sid = newSid();
        DROP.add(sid);
        // the bridge was cut off from the gateway but alive: its own outcome reached the call log
        outcomeAlreadyInTheCallLog(sid);
        String token = tokens.mint(sid, "acme", "support", "acme-support-v1", "+15555550100", "inbound");

        assertThat(closeCodeAfter(CONNECTED, start(sid, token), media(1))).isEqualTo(1011);

        assertThat(TWIML_UPDATES).containsKey(sid);
        assertThat(outcomesOf(sid, 0)).as("no second outcome").isEmpty();
    }

    @Test
    void aBridgeThatClosesItsSideProperlyIsNotALoss() {
        String sid = newSid();
        String token = tokens.mint(sid, "acme", "support", "acme-support-v1", "+15555550100", "inbound");

        assertThat(closeCodeAfter(CONNECTED, start(sid, token), media(1))).isEqualTo(4001);

        assertThat(TWIML_UPDATES).doesNotContainKey(sid);
        assertThat(outcomesOf(sid, 0)).isEmpty();
    }

    @Test
    void aCallTheBridgeRefusesAtCapacityLeavesTheCallerAnApologyTheCodeAndTheCallAnOutcome() {
        double refusedBefore = counted("voice.gateway.bridge.streams_failed", "refused");
        double askedBefore = counted("voice.gateway.bridge.refusals_retried", null);
        String sid = newSid();
        REFUSE.put(sid, 1013);
        String token = tokens.mint(sid, "acme", "support", "acme-support-v1", "+15555550100", "inbound");

        assertThat(closeCodeAfter(CONNECTED, start(sid, token), media(1))).as("Twilio gets the bridge's code")
                .isEqualTo(1013);

        assertThat(TWIML_UPDATES.get(sid)).as("the caller hears why instead of silence")
                .contains("<Say>" + BridgeLoss.REFUSED_MESSAGE + "</Say>").contains("<Hangup/>");
        SessionOutcome outcome = theGatewaysOutcome(sid, BridgeLoss.REFUSED_REASON);
        assertThat(outcome.summary()).contains("1013 media bridge at capacity");
        assertThat(outcome.durationMs()).as("the call ended at the refusal, not after the grace").isLessThan(1000);
        assertThat(CONNECTIONS.get(sid)).as("asked once more before giving up").hasSize(2);
        assertThat(counted("voice.gateway.bridge.refusals_retried", null) - askedBefore).isEqualTo(1);
        assertThat(counted("voice.gateway.bridge.streams_failed", "refused") - refusedBefore).isEqualTo(1);
    }

    @Test
    void aBridgeAtCapacityIsAskedAgainAndTheCallGoesOnWhereThereIsRoom() {
        String sid = newSid();
        REFUSE_FIRST.add(sid);
        String token = tokens.mint(sid, "acme", "support", "acme-support-v1", "+15555550100", "inbound");
        String start = start(sid, token);

        assertThat(closeCodeWhileStreaming(CONNECTED, start)).as("the second bridge's own close").isEqualTo(4001);

        assertThat(CONNECTIONS.get(sid)).hasSize(2);
        assertThat(CONNECTIONS.get(sid).get(1)).as("the second bridge gets the stream from its start, then audio")
                .startsWith(CONNECTED, start).hasSizeGreaterThan(2);
        assertThat(TWIML_UPDATES).doesNotContainKey(sid);
        assertThat(outcomesOf(sid, 0)).isEmpty();
    }

    @Test
    void aRefusedSecondStreamLeavesTheLiveSessionsOutcomeAlone() {
        String sid = newSid();
        REFUSE.put(sid, 1008);
        // the call's live session (on its first stream) reported how the call ended
        outcomeAlreadyInTheCallLog(sid);
        String token = tokens.mint(sid, "acme", "support", "acme-support-v1", "+15555550100", "inbound");

        assertThat(closeCodeAfter(CONNECTED, start(sid, token), media(1))).isEqualTo(1008);

        assertThat(CONNECTIONS.get(sid)).as("only a refusal at capacity is worth asking again").hasSize(1);
        assertThat(TWIML_UPDATES.get(sid)).contains(BridgeLoss.REFUSED_MESSAGE);
        assertThat(outcomesOf(sid, 0)).as("no second outcome").isEmpty();
    }

    @Test
    void aPolicyCloseAfterTheBridgeHasSpokenIsRelayedNotARefusal() {
        String sid = newSid();
        SPEAK_THEN_1008.add(sid);
        String token = tokens.mint(sid, "acme", "support", "acme-support-v1", "+15555550100", "inbound");

        assertThat(closeCodeAfter(CONNECTED, start(sid, token), media(1))).isEqualTo(1008);

        assertThat(TWIML_UPDATES).doesNotContainKey(sid);
        assertThat(outcomesOf(sid, 0)).as("the live session reports its own outcome").isEmpty();
    }

    /** The call's row in the call log already has an outcome, as when the bridge's own outcome arrived first. */
    private void outcomeAlreadyInTheCallLog(String callSid) {
        db.sql("INSERT INTO call_logs (call_sid, tenant_id, direction, from_number, to_number, status, status_rank, "
                        + "outcome) VALUES (:sid, 'acme', 'inbound', '+15555550100', '+15555550000', 'in-progress', 2, "
                        + "'resolved')")
                .bind("sid", callSid).fetch().rowsUpdated().block(Duration.ofSeconds(10));
    }

    /** A gateway counter's count so far ({@code reason}: its tag, when it has one). */
    private double counted(String name, String reason) {
        var search = meters.find(name);
        var counter = reason == null ? search.counter() : search.tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    /** The one outcome of the call, the gateway's: failed for {@code reason}, of the call's tenant and agent version. */
    private SessionOutcome theGatewaysOutcome(String callSid, String reason) {
        List<ConsumerRecord<String, String>> outcomes = outcomesOf(callSid, 1);
        assertThat(outcomes).hasSize(1);
        var event = EventCodec.decode(outcomes.get(0).value()).orElseThrow();
        assertThat(event.tenantId()).isEqualTo("acme");
        SessionOutcome outcome = (SessionOutcome) event.data();
        assertThat(outcome.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(outcome.escalationReason()).isEqualTo(reason);
        assertThat(outcome.agentVersionId()).isEqualTo("acme-support-v1");
        return outcome;
    }

    /** Outcome events of the call: waits for {@code expected} of them, then a little longer for extras. */
    private List<ConsumerRecord<String, String>> outcomesOf(String callSid, int expected) {
        return new TopicProbe(bootstrap).await(Topics.OUTCOMES, record -> callSid.equals(record.key()),
                Math.max(1, expected), Duration.ofSeconds(expected == 0 ? 4 : 20), Duration.ofSeconds(1));
    }

    /**
     * Sends the frames, then audio every 20 ms as Twilio does, reading what comes back, and answers the close code
     * the gateway closes the stream with.
     */
    private int closeCodeWhileStreaming(String... frames) {
        Flux<String> audio = Flux.interval(Duration.ofMillis(20)).map(i -> media(i.intValue())).take(500);
        return HttpClient.create().websocket().uri("ws://localhost:" + port + "/api/v1/media-stream")
                .handle((in, out) -> out.sendString(Flux.concat(Flux.fromArray(frames), audio)).then()
                        .onErrorResume(e -> Mono.empty())
                        .thenMany(Flux.<Integer>never())
                        .mergeWith(in.receive().then().then(Mono.<Integer>empty()))
                        .mergeWith(in.receiveCloseStatus().map(WebSocketCloseStatus::code))
                        .take(1))
                .next()
                .timeout(Duration.ofSeconds(15))
                .block();
    }

    /** Sends the frames, keeps the socket open and answers the close code the gateway closes it with. */
    private int closeCodeAfter(String... frames) {
        return HttpClient.create().websocket().uri("ws://localhost:" + port + "/api/v1/media-stream")
                .handle((in, out) -> out.sendString(Flux.fromArray(frames)).then()
                        .onErrorResume(e -> Mono.empty())
                        .thenMany(Flux.<Integer>never())
                        .mergeWith(in.receiveCloseStatus().map(WebSocketCloseStatus::code))
                        .take(1))
                .next()
                .timeout(Duration.ofSeconds(15))
                .block();
    }
}
