package dev.voiceagent.testkit.twilio;

import dev.voiceagent.support.twilio.TwilioApiHttpClient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.twilio.exception.ApiException;
import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.Call;
import com.twilio.rest.api.v2010.account.Message;
import com.twilio.security.RequestValidator;
import com.twilio.type.PhoneNumber;
import dev.voiceagent.testkit.audio.Tones;
import dev.voiceagent.testkit.scenario.ModelAction;
import dev.voiceagent.testkit.scenario.Scenario;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class TwilioSimulatorTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String TOKEN = "test-token";
    private static final String SID = "AC" + "0123456789abcdef0123456789abcdef";
    private static final String SILENCE = Base64.getEncoder().encodeToString(Tones.silence(20));

    /** One signed request the application received. */
    record Received(String path, Map<String, String> params, boolean signatureValid) {
    }

    /** Waits (at most 10 s) until a status callback with {@code CallStatus=status} has reached the fake application. */
    private void awaitStatusCallback(String status) {
        await().atMost(Duration.ofSeconds(10)).until(() -> webhooks.stream().anyMatch(hook ->
                hook.path().equals("/status") && status.equals(hook.params().get("CallStatus"))));
    }

    /** A frame the fake application received on the media stream, with its arrival time. */
    record Frame(JsonNode json, long nanos) {
    }

    private final List<Received> webhooks = new CopyOnWriteArrayList<>();
    private final List<Frame> frames = new CopyOnWriteArrayList<>();
    private final Map<String, Long> marksSent = new java.util.concurrent.ConcurrentHashMap<>();
    private DisposableServer app;
    private TwilioSimulator twilio;
    private TwilioRestClient client;

    @BeforeEach
    void start() {
        app = HttpServer.create().port(0)
                .route(routes -> routes
                        .post("/twiml", this::twiml)
                        .post("/status", this::status)
                        .ws("/media", this::media))
                .bindNow();
        Scenario scenario = Scenario.builder("short")
                .greeting("Hi.")
                .turn("Bye now.", ModelAction.say("Goodbye!"))
                .build();
        twilio = TwilioSimulator.start(TwilioSimulator.Options.defaults()
                .withAccount(SID, TOKEN)
                .withScenario(scenario)
                .withPauseBeforeSpeaking(Duration.ofMillis(200)));
        client = new TwilioRestClient.Builder(SID, TOKEN).httpClient(new TwilioApiHttpClient(twilio.baseUrl())).build();
    }

    @AfterEach
    void stop() {
        twilio.close();
        app.disposeNow();
    }

    @Test
    void runsACallCreatedByTheSdkThroughTwimlMediaAndStatusCallbacks() {
        Call call = Call.creator(new PhoneNumber("+15555550100"), new PhoneNumber("+15555550000"), URI.create(appUrl("/twiml")))
                .setStatusCallback(URI.create(appUrl("/status")))
                .setStatusCallbackEvent(List.of("initiated", "ringing", "answered", "completed"))
                .create(client);

        assertThat(call.getSid()).matches("CA[0-9a-f]{32}");
        assertThat(call.getStatus()).isEqualTo(Call.Status.QUEUED);
        assertThat(call.getTo()).isEqualTo("+15555550100");
        assertThat(call.getFrom()).isEqualTo("+15555550000");
        assertThat(call.getDirection()).isEqualTo("outbound-api");
        assertThat(call.getDateCreated()).isNotNull();

        SimulatedCall done = twilio.awaitCallStatus(call.getSid(), "completed", Duration.ofSeconds(10)).block();

        assertThat(done.statusHistory()).containsExactly("queued", "initiated", "ringing", "in-progress", "completed");
        assertThat(done.endedBy()).isEqualTo("caller");
        assertThat(done.streamCloseCode()).isEqualTo(1000);
        assertThat(done.customParameters()).containsEntry("token", "abc");
        assertThat(done.marksEchoed()).contains("greeting", "long", "answer");
        assertThat(done.clearsObeyed()).isEqualTo(1);
        assertThat(done.callerTurnsSpoken()).containsExactly("Bye now.");
        assertThat(done.agentAudioMsHeard()).isBetween(450L, 1000L);
        assertThat(done.durationSeconds()).isPositive();

        // the call's status reaches "completed" before its status callback has been delivered
        awaitStatusCallback("completed");
        assertThat(webhooks).allMatch(Received::signatureValid);
        assertThat(webhooks.get(0).path()).isEqualTo("/status");
        assertThat(webhooks).filteredOn(hook -> hook.path().equals("/twiml")).singleElement()
                .satisfies(hook -> assertThat(hook.params()).containsEntry("CallSid", call.getSid())
                        .containsEntry("AccountSid", SID).containsEntry("Direction", "outbound-api")
                        .containsEntry("ApiVersion", "2010-04-01").containsEntry("CallStatus", "in-progress"));
        List<Map<String, String>> statuses = webhooks.stream().filter(hook -> hook.path().equals("/status"))
                .map(Received::params).toList();
        assertThat(statuses).extracting(params -> params.get("CallStatus"))
                .containsExactly("initiated", "ringing", "in-progress", "completed");
        assertThat(statuses.get(3)).containsKey("CallDuration");

        assertMediaStream(call.getSid());
    }

    private void assertMediaStream(String callSid) {
        List<JsonNode> events = frames.stream().map(Frame::json).toList();
        assertThat(events.get(0).path("event").asString()).isEqualTo("connected");
        JsonNode start = events.get(1);
        assertThat(start.path("event").asString()).isEqualTo("start");
        assertThat(start.path("streamSid").asString()).matches("MZ[0-9a-f]{32}");
        assertThat(start.path("start").path("callSid").asString()).isEqualTo(callSid);
        assertThat(start.path("start").path("accountSid").asString()).isEqualTo(SID);
        assertThat(start.path("start").path("tracks").get(0).asString()).isEqualTo("inbound");
        assertThat(start.path("start").path("customParameters").path("token").asString()).isEqualTo("abc");
        assertThat(start.path("start").path("mediaFormat").path("encoding").asString()).isEqualTo("audio/x-mulaw");
        assertThat(start.path("start").path("mediaFormat").path("sampleRate").asInt()).isEqualTo(8000);
        assertThat(events.get(events.size() - 1).path("event").asString()).isEqualTo("stop");

        List<Frame> media = frames.stream().filter(f -> f.json().path("event").asString().equals("media")).toList();
        JsonNode first = media.get(0).json().path("media");
        assertThat(first.path("chunk").isString()).isTrue();
        assertThat(first.path("timestamp").asString()).isEqualTo("0");
        assertThat(first.path("track").asString()).isEqualTo("inbound");
        assertThat(Base64.getDecoder().decode(first.path("payload").asString())).hasSize(160);
        double seconds = (media.get(media.size() - 1).nanos() - media.get(0).nanos()) / 1e9;
        assertThat(media.size() / seconds).isBetween(40.0, 60.0);

        long greetingEcho = markEcho("greeting");
        assertThat(greetingEcho - marksSent.get("greeting")).as("greeting mark after 300 ms of playback")
                .isGreaterThanOrEqualTo(Duration.ofMillis(260).toNanos());
        assertThat(markEcho("long") - marksSent.get("long")).as("clear echoes the mark at once")
                .isLessThan(Duration.ofMillis(500).toNanos());
    }

    private long markEcho(String name) {
        return frames.stream().filter(f -> f.json().path("event").asString().equals("mark")
                        && f.json().path("mark").path("name").asString().equals(name))
                .findFirst().orElseThrow().nanos();
    }

    @Test
    void playsTheCallerScriptRegisteredForTheDialledNumber() throws Exception {
        HttpResponse<String> registered = postScript("""
                {"name":"two-steps","turns":[{"caller_says":"First, my balance."},
                {"caller_says":"","dtmf":["1","#"]},{"caller_says":"That is all."}]}""");
        assertThat(registered.statusCode()).isEqualTo(201);
        String to = JSON.readTree(registered.body()).path("to").asString();
        assertThat(JSON.readTree(registered.body()).path("turns").asInt()).isEqualTo(3);

        Call scripted = Call.creator(new PhoneNumber(to), new PhoneNumber("+15555550000"), URI.create(appUrl("/twiml")))
                .create(client);
        Call plain = Call.creator(new PhoneNumber(to), new PhoneNumber("+15555550000"), URI.create(appUrl("/twiml")))
                .create(client);

        SimulatedCall done = twilio.awaitCallStatus(scripted.getSid(), "completed", Duration.ofSeconds(15)).block();
        assertThat(done.callerTurnsSpoken()).containsExactly("First, my balance.", "", "That is all.");
        assertThat(done.dtmfSent()).containsExactly("1", "#");
        assertThat(twilio.scripts().forCall(scripted.getSid())).map(Scenario::name).contains("two-steps");
        SimulatedCall second = twilio.awaitCallStatus(plain.getSid(), "completed", Duration.ofSeconds(15)).block();
        assertThat(second.callerTurnsSpoken()).as("a script is played by one call only").containsExactly("Bye now.");
    }

    @Test
    void aCallerWhoStaysOnTheLineWaitsForTheOtherSideToEndTheCall() throws Exception {
        HttpResponse<String> registered = postScript("""
                {"name":"hold","stay_on_line":true,"turns":[{"caller_says":"Put me through, please."}]}""");
        String to = JSON.readTree(registered.body()).path("to").asString();
        Call call = Call.creator(new PhoneNumber(to), new PhoneNumber("+15555550000"), URI.create(appUrl("/twiml")))
                .create(client);

        StepVerifier.create(Mono.fromSupplier(() -> twilio.call(call.getSid()).orElseThrow())
                        .filter(c -> !c.callerTurnsSpoken().isEmpty())
                        .repeatWhenEmpty(100, flux -> flux.delayElements(Duration.ofMillis(50))))
                .expectNextCount(1).verifyComplete();
        StepVerifier.create(twilio.awaitCallStatus(call.getSid(), "completed", Duration.ofMillis(1500)))
                .as("the script is over but the caller holds").expectError(IllegalStateException.class).verify();

        Call.updater(call.getSid()).setTwiml(new com.twilio.type.Twiml(
                "<Response><Dial>+15555550199</Dial></Response>")).update(client);
        SimulatedCall done = twilio.awaitCallStatus(call.getSid(), "completed", Duration.ofSeconds(5)).block();
        assertThat(done.transferredTo()).isEqualTo("+15555550199");
        assertThat(done.callerTurnsSpoken()).containsExactly("Put me through, please.");
    }

    @Test
    void refusesAnUnreadableCallerScriptWithAProblem() throws Exception {
        for (String body : List.of("{not json", "{\"turns\":[]}", "{\"name\":\"empty\",\"turns\":[]}",
                "{\"name\":\"x\",\"turns\":[{\"caller_says\":\"hi\",\"model_actions\":[{\"dance\":1}]}]}")) {
            HttpResponse<String> response = postScript(body);
            assertThat(response.statusCode()).as(body).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
            assertThat(JSON.readTree(response.body()).path("detail").asString()).isNotBlank();
        }
    }

    private HttpResponse<String> postScript(String json) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder()
                .uri(URI.create(twilio.baseUrl() + TwilioSimulator.SCRIPTS_PATH))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void rejectsBadBasicAuth() {
        TwilioRestClient wrong = new TwilioRestClient.Builder(SID, "not-the-token")
                .httpClient(new TwilioApiHttpClient(twilio.baseUrl())).build();

        assertThatThrownBy(() -> Call.creator(new PhoneNumber("+15555550100"), new PhoneNumber("+15555550000"),
                URI.create(appUrl("/twiml"))).create(wrong))
                .isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).getStatusCode()).isEqualTo(401));
    }

    @Test
    void aFailingRestApiAnswers500WithoutCreatingTheCallThenRecovers() {
        // 500, not 503: the SDK's HTTP client itself repeats a 503 (honouring Retry-After), which would hide the count
        twilio.useRestFault(TwilioRestFault.failing(500).forRequests(2));
        NetworkHttpClientWithoutRetries once = new NetworkHttpClientWithoutRetries(twilio.baseUrl());
        TwilioRestClient single = new TwilioRestClient.Builder(SID, TOKEN).httpClient(once).build();

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> Call.creator(new PhoneNumber("+15555550100"), new PhoneNumber("+15555550000"),
                    URI.create(appUrl("/twiml"))).create(single))
                    .isInstanceOf(ApiException.class)
                    .satisfies(e -> assertThat(((ApiException) e).getStatusCode()).isEqualTo(500));
        }
        assertThat(twilio.calls()).isEmpty();

        Call call = Call.creator(new PhoneNumber("+15555550100"), new PhoneNumber("+15555550000"),
                URI.create(appUrl("/twiml"))).create(single);
        assertThat(twilio.calls()).extracting(SimulatedCall::sid).containsExactly(call.getSid());
        assertThat(twilio.restRequests()).isEqualTo(3);
        assertThat(twilio.restFaultsPlayed()).isEqualTo(2);
    }

    @Test
    void aSlowRestApiCreatesTheCallAtOnceAndAnswersLate() {
        twilio.useRestFault(TwilioRestFault.slow(Duration.ofMillis(800)));
        long started = System.nanoTime();
        Mono<Call> created = Mono.fromCallable(() -> Call.creator(new PhoneNumber("+15555550100"),
                new PhoneNumber("+15555550000"), URI.create(appUrl("/twiml"))).create(client))
                .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic());

        StepVerifier.create(created.zipWith(Mono.delay(Duration.ofMillis(300)).map(tick -> twilio.calls().size())))
                .assertNext(both -> {
                    assertThat(both.getT2()).as("calls created before the answer").isEqualTo(1);
                    assertThat(both.getT1().getSid()).isEqualTo(twilio.calls().get(0).sid());
                })
                .verifyComplete();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(800));
    }

    /** The SDK's client without its own 5xx retries, so a test sees each answer. */
    private static final class NetworkHttpClientWithoutRetries extends TwilioApiHttpClient {
        NetworkHttpClientWithoutRetries(String base) {
            super(base);
        }

        @Override
        protected boolean shouldRetry(com.twilio.http.Response response, int[] retryCodes) {
            return false;
        }
    }

    @Test
    void validatesLikeTwilio() throws Exception {
        HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder()
                .uri(URI.create(twilio.baseUrl() + "/2010-04-01/Accounts/" + SID + "/Calls.json"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((SID + ":" + TOKEN).getBytes()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("From=%2B15555550000&Url=http%3A%2F%2Fexample.com%2Fx"))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body());
        assertThat(error.path("code").asInt()).isEqualTo(21201);
        assertThat(error.path("status").asInt()).isEqualTo(400);
        assertThat(error.path("more_info").asString()).contains("21201");
    }

    @Test
    void sendsMessagesWithSignedStatusCallbacks() {
        Message message = Message.creator(new PhoneNumber("+15555550100"), new PhoneNumber("+15555550000"), "Hello")
                .setStatusCallback(URI.create(appUrl("/status")))
                .create(client);

        assertThat(message.getSid()).startsWith("SM");
        assertThat(message.getStatus()).isEqualTo(Message.Status.QUEUED);
        StepVerifier.create(Mono.fromSupplier(() -> twilio.messages().get(0))
                        .filter(m -> m.status().equals("delivered") && m.webhooks().size() == 2)
                        .repeatWhenEmpty(30, flux -> flux.delayElements(Duration.ofMillis(50))))
                .assertNext(m -> assertThat(m.statusHistory()).containsExactly("queued", "sent", "delivered"))
                .verifyComplete();
        assertThat(webhooks).extracting(hook -> hook.params().get("MessageStatus")).containsExactly("sent", "delivered");
        assertThat(webhooks).allMatch(Received::signatureValid);
    }

    @Test
    void endsACallWhoseTwimlCannotBeFetched() {
        String sid = twilio.placeInboundCall("+15555550100", "+15555550000", appUrl("/missing"), appUrl("/status"));

        SimulatedCall done = twilio.awaitCallStatus(sid, "failed", Duration.ofSeconds(5)).block();

        assertThat(done.error()).contains("11200");
        StepVerifier.create(Mono.fromSupplier(() -> webhooks)
                        .filter(list -> !list.isEmpty())
                        .repeatWhenEmpty(30, flux -> flux.delayElements(Duration.ofMillis(50))))
                .assertNext(list -> assertThat(list.get(0).params()).containsEntry("CallStatus", "failed"))
                .verifyComplete();
    }

    @Test
    void signaturesMatchTheSdkValidator() {
        Map<String, String> params = Map.of("CallSid", "CA1", "From", "+1 555", "To", "+1555&x=y");
        String url = "https://example.com:8443/api/v1/incoming-call";

        assertThat(new RequestValidator(TOKEN).validate(url, params, TwilioSignatures.sign(TOKEN, url, params))).isTrue();
        assertThat(new RequestValidator("other").validate(url, params, TwilioSignatures.sign(TOKEN, url, params))).isFalse();
    }

    private Mono<Void> twiml(HttpServerRequest request, HttpServerResponse response) {
        return signedForm(request).flatMap(params -> response.header("Content-Type", "text/xml")
                .sendString(Mono.just("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Connect><Stream url=\""
                        + "ws://localhost:" + app.port() + "/media\"><Parameter name=\"token\" value=\"abc\"/>"
                        + "</Stream></Connect></Response>")).then());
    }

    private Mono<Void> status(HttpServerRequest request, HttpServerResponse response) {
        return signedForm(request).flatMap(params -> response.status(204).send().then());
    }

    private Mono<Map<String, String>> signedForm(HttpServerRequest request) {
        String url = appUrl(request.path().startsWith("/") ? request.path() : "/" + request.path());
        String signature = request.requestHeaders().get("X-Twilio-Signature");
        return request.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                .map(body -> {
                    Map<String, String> params = new HashMap<>();
                    new QueryStringDecoder(body, false).parameters().forEach((k, v) -> params.put(k, v.get(0)));
                    webhooks.add(new Received("/" + request.path().replaceFirst("^/", ""), params,
                            new RequestValidator(TOKEN).validate(url, params, signature)));
                    return params;
                });
    }

    /** A minimal bridge: greets, sends long audio then clears it when the caller speaks, answers after. */
    private Mono<Void> media(WebsocketInbound in, WebsocketOutbound out) {
        Sinks.Many<String> toTwilio = Sinks.many().unicast().onBackpressureBuffer();
        AtomicBoolean heardSpeech = new AtomicBoolean();
        AtomicBoolean answered = new AtomicBoolean();
        Mono<Void> receive = in.receive().asString().doOnNext(text -> {
            JsonNode frame = JSON.readTree(text);
            frames.add(new Frame(frame, System.nanoTime()));
            String streamSid = frame.path("streamSid").asString();
            switch (frame.path("event").asString()) {
                case "start" -> sendAudio(toTwilio, streamSid, 300, "greeting");
                case "media" -> {
                    boolean speech = !SILENCE.equals(frame.path("media").path("payload").asString());
                    if (speech && heardSpeech.compareAndSet(false, true)) {
                        sendAudio(toTwilio, streamSid, 2000, "long");
                        toTwilio.tryEmitNext("{\"event\":\"clear\",\"streamSid\":\"" + streamSid + "\"}");
                    } else if (!speech && heardSpeech.get() && answered.compareAndSet(false, true)) {
                        sendAudio(toTwilio, streamSid, 200, "answer");
                    }
                }
                default -> { }
            }
        }).then().doFinally(s -> toTwilio.tryEmitComplete());
        return Mono.when(receive, out.sendString(toTwilio.asFlux()).then());
    }

    private synchronized void sendAudio(Sinks.Many<String> sink, String streamSid, int ms, String mark) {
        byte[] audio = Tones.tone(ms, 440);
        for (int offset = 0; offset < audio.length; offset += 160) {
            byte[] frame = java.util.Arrays.copyOfRange(audio, offset, offset + 160);
            sink.tryEmitNext("{\"event\":\"media\",\"streamSid\":\"" + streamSid + "\",\"media\":{\"payload\":\""
                    + Base64.getEncoder().encodeToString(frame) + "\"}}");
        }
        marksSent.put(mark, System.nanoTime());
        sink.tryEmitNext("{\"event\":\"mark\",\"streamSid\":\"" + streamSid + "\",\"mark\":{\"name\":\"" + mark + "\"}}");
    }

    private String appUrl(String path) {
        return "http://localhost:" + app.port() + path;
    }
}
