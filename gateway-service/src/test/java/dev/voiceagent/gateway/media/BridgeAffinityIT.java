package dev.voiceagent.gateway.media;

import static dev.voiceagent.gateway.media.MediaStreamIT.CONNECTED;
import static dev.voiceagent.gateway.media.MediaStreamIT.media;
import static dev.voiceagent.gateway.media.MediaStreamIT.newSid;
import static dev.voiceagent.gateway.media.MediaStreamIT.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.gateway.media.BridgeDirectory.Instance;
import dev.voiceagent.gateway.testing.MediaStreamClient;
import dev.voiceagent.gateway.testing.Tenants;
import dev.voiceagent.gateway.twilio.TwilioSignatures;
import dev.voiceagent.support.LingeringClose;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.FreePorts;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Bridge instance choice end to end: two stand-in bridge instances that discovery reports (on two ports of this
 * host), a third address where nothing listens, and a stand-in for the bridge Service that the configured URLs name.
 * A call's pre-warm (sent while the gateway answers the incoming-call webhook) and its media stream reach the same
 * instance; a chosen instance that refuses at capacity, or cannot be reached, leaves the stream to the Service.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.twilio.auth-token=" + BridgeAffinityIT.TOKEN,
        "voice.twilio.api-base-url=http://localhost:1",
        "voice.gateway.public-base-url=" + BridgeAffinityIT.BASE,
        "voice.gateway.media-token-secrets=affinity-secret",
        "voice.gateway.bridge-discovery.host=media-bridge-headless.test",
        "voice.gateway.bridge-discovery.refresh-interval=500ms"})
@AutoConfigureWebTestClient
@VoiceInfrastructure
class BridgeAffinityIT {

    static final String TOKEN = "affinity-token";
    static final String BASE = "https://voice.example.com";
    static final String NUMBER = "+15555550188";
    static final Pattern MEDIA_TOKEN = Pattern.compile("name=\"token\" value=\"([^\"]+)\"");

    /** What one stand-in bridge saw: the call SIDs of its pre-warms, and of its stream connections in order. */
    record Seen(List<String> prewarms, List<String> streams) {
    }

    static final Map<String, Seen> SEEN = new ConcurrentHashMap<>();
    /** Calls the stand-in instances (not the Service) refuse at capacity, as a full bridge does. */
    static final Set<String> AT_CAPACITY = ConcurrentHashMap.newKeySet();

    static final DisposableServer FIRST = bridge("first", true);
    static final DisposableServer SECOND = bridge("second", true);
    static final DisposableServer SERVICE = bridge("service", false);
    /** An instance discovery still reports but that has gone: nothing listens there. */
    static final int GONE = FreePorts.pick();

    static final Instance FIRST_INSTANCE = Instance.parse("127.0.0.1:" + FIRST.port());
    static final Instance SECOND_INSTANCE = Instance.parse("127.0.0.1:" + SECOND.port());
    static final Instance GONE_INSTANCE = Instance.parse("127.0.0.1:" + GONE);

    /**
     * A stand-in bridge: takes pre-warms (202) and streams, which it closes with 4001 at the first audio frame;
     * an {@code instance} refuses the calls {@link #AT_CAPACITY} with 1013 as the stream opens.
     */
    static DisposableServer bridge(String name, boolean instance) {
        Seen seen = new Seen(new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
        SEEN.put(name, seen);
        return LingeringClose.onEveryConnection(HttpServer.create(), LingeringClose.DEFAULT_LINGER).port(0)
                .route(routes -> routes
                        .post("/internal/v1/sessions/prewarm", (request, response) ->
                                request.receive().aggregate().asString().flatMap(body -> {
                                    seen.prewarms().add(callSid(body));
                                    return response.status(202).send().then();
                                }))
                        .ws("/internal/v1/media-stream", (in, out) -> {
                            String callSid = in.headers().get("X-Voice-Call-Sid");
                            seen.streams().add(callSid);
                            if (instance && AT_CAPACITY.contains(callSid)) {
                                return out.sendClose(1013, "media bridge at capacity");
                            }
                            // reads on to the end: a cancelled inbound would close the connection with a code of its own
                            return in.receive().asString()
                                    .concatMap(text -> text.contains("\"event\":\"media\"")
                                            ? out.sendClose(4001, name + " done") : Mono.<Void>empty())
                                    .then();
                        }))
                .bindNow();
    }

    private static String callSid(String prewarmBody) {
        Matcher sid = Pattern.compile("\"call_sid\":\"([^\"]+)\"").matcher(prewarmBody);
        return sid.find() ? sid.group(1) : prewarmBody;
    }

    /** Discovery's answer: the two instances and the gone one, as a headless Service's records would list them. */
    @TestConfiguration
    static class Discovered {
        @Bean
        BridgeDirectory.Resolver bridgeResolver() {
            return host -> List.of(SECOND_INSTANCE, GONE_INSTANCE, FIRST_INSTANCE);
        }
    }

    @DynamicPropertySource
    static void endpoints(DynamicPropertyRegistry registry) {
        registry.add("voice.gateway.bridge-url",
                () -> "ws://localhost:" + SERVICE.port() + "/internal/v1/media-stream");
        registry.add("voice.gateway.bridge-api-url", () -> "http://localhost:" + SERVICE.port());
    }

    @AfterAll
    static void stop() {
        FIRST.disposeNow();
        SECOND.disposeNow();
        SERVICE.disposeNow();
    }

    @LocalServerPort int port;
    @Autowired WebTestClient web;
    @Autowired TenantDirectory tenants;
    @Autowired BridgeDirectory bridges;
    @Autowired MeterRegistry meters;

    @BeforeEach
    void setUp() {
        tenants.apply(Tenants.tenant("affinity", "affinity-key", NUMBER, true));
        await().atMost(Duration.ofSeconds(10)).until(() -> bridges.instances().size() == 3);
    }

    @Test
    void aCallsPrewarmAndItsStreamReachTheSameInstance() {
        List<String> onFirst = sidsChoosing(FIRST_INSTANCE, 3);
        List<String> onSecond = sidsChoosing(SECOND_INSTANCE, 3);
        List<String> calls = new ArrayList<>(onFirst);
        calls.addAll(onSecond);

        for (String sid : calls) {
            assertThat(streamAfterIncomingCall(sid)).as("the instance's own close").isEqualTo(4001);
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(SEEN.get("first").prewarms()).containsAll(onFirst);
            assertThat(SEEN.get("second").prewarms()).containsAll(onSecond);
        });
        assertThat(SEEN.get("first").streams()).containsAll(onFirst).doesNotContainAnyElementsOf(onSecond);
        assertThat(SEEN.get("second").streams()).containsAll(onSecond).doesNotContainAnyElementsOf(onFirst);
        assertThat(SEEN.get("first").prewarms()).doesNotContainAnyElementsOf(onSecond);
        assertThat(SEEN.get("second").prewarms()).doesNotContainAnyElementsOf(onFirst);
        assertThat(SEEN.get("service").prewarms()).doesNotContainAnyElementsOf(calls);
        assertThat(SEEN.get("service").streams()).doesNotContainAnyElementsOf(calls);
        assertThat(meters.get("voice.gateway.bridge.instances").gauge().value()).isEqualTo(3);
        web.get().uri("/health").exchange().expectBody()
                .jsonPath("$.components.bridgeDirectory.details.instances.length()").isEqualTo(3);
    }

    @Test
    void aChosenInstanceAtCapacityLeavesTheStreamToTheBridgeService() {
        double refusedBefore = fallbacks("refused");
        String sid = sidsChoosing(FIRST_INSTANCE, 1).get(0);
        AT_CAPACITY.add(sid);

        assertThat(streamAfterIncomingCall(sid)).as("the Service's instance took the call").isEqualTo(4001);

        assertThat(SEEN.get("first").streams()).as("refused there").containsOnlyOnce(sid);
        assertThat(SEEN.get("service").streams()).containsOnlyOnce(sid);
        assertThat(SEEN.get("second").streams()).doesNotContain(sid);
        assertThat(fallbacks("refused") - refusedBefore).isEqualTo(1);
    }

    @Test
    void aChosenInstanceThatHasGoneLeavesTheStreamToTheBridgeService() {
        double unreachableBefore = fallbacks("unreachable");
        String sid = sidsChoosing(GONE_INSTANCE, 1).get(0);

        assertThat(streamAfterIncomingCall(sid)).isEqualTo(4001);

        assertThat(SEEN.get("service").streams()).containsOnlyOnce(sid);
        assertThat(fallbacks("unreachable") - unreachableBefore).isEqualTo(1);
    }

    /** New call SIDs that the directory sends to {@code instance}. */
    private List<String> sidsChoosing(Instance instance, int count) {
        List<String> sids = new ArrayList<>();
        while (sids.size() < count) {
            String sid = newSid();
            if (instance.equals(bridges.choose(sid).instance())) {
                sids.add(sid);
            }
        }
        return sids;
    }

    /**
     * Twilio's side of a call: the incoming-call webhook (the gateway answers with the stream's TwiML and queues the
     * pre-warm), then the media stream with the TwiML's token and audio every 20 ms (a bridge asked after a refusal
     * gets the audio from where the refused one stopped). Answers the code the stream was closed with.
     */
    private int streamAfterIncomingCall(String sid) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("CallSid", sid);
        params.put("AccountSid", "AC1");
        params.put("From", "+15555550100");
        params.put("To", NUMBER);
        params.put("CallStatus", "ringing");
        params.put("Direction", "inbound");
        String twiml = TwilioSignatures.postSigned(web, TOKEN, BASE, "/api/v1/incoming-call", params)
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        Matcher token = MEDIA_TOKEN.matcher(twiml);
        assertThat(token.find()).as("a media stream in %s", twiml).isTrue();
        Flux<String> audio = Flux.interval(Duration.ofMillis(20)).map(i -> media(i.intValue())).take(500);
        Flux<TextWebSocketFrame> frames = Flux.concat(Flux.just(CONNECTED, start(sid, token.group(1))), audio)
                .map(TextWebSocketFrame::new);
        return MediaStreamClient.closeCodeOfFrames("ws://localhost:" + port + "/api/v1/media-stream", frames,
                Duration.ofSeconds(15));
    }

    private double fallbacks(String reason) {
        return meters.get("voice.gateway.bridge.fallbacks").tag("reason", reason).functionCounter().count();
    }
}
