package dev.voiceagent.testkit.twilio;

import dev.voiceagent.testkit.scenario.CallScripts;
import dev.voiceagent.testkit.scenario.Scenario;
import dev.voiceagent.testkit.scenario.Scenarios;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * Twilio, simulated: the REST API the Twilio Java SDK calls (create/update/fetch call, send message, with HTTP
 * Basic auth) and, for each call, what Twilio then does — signed status callbacks, the signed TwiML fetch and a
 * two-way Media Stream on which a scripted caller speaks the {@link Scenario}'s turns.
 */
public final class TwilioSimulator implements AutoCloseable {

    /** The local account SID. */
    public static final String DEFAULT_ACCOUNT_SID = "ACdemo00000000000000000000000000";
    /** The local auth token (it signs webhooks). */
    public static final String DEFAULT_AUTH_TOKEN = "local-twilio-token";

    /**
     * The simulator's own control endpoint (not Twilio's API): {@code POST} a caller script as JSON (the
     * {@link Scenarios} format) and get {@code 201 {"to": "+1555…", "name", "turns", "expires_in_seconds"}}; a call
     * created to that number plays the script on its media stream.
     */
    public static final String SCRIPTS_PATH = "/simulator/v1/caller-scripts";

    /** Settings; start from {@link #defaults()}. */
    public record Options(int port, String accountSid, String authToken, Scenario scenario, Duration ringDelay,
                          Duration pauseBeforeSpeaking, Duration greetingTimeout, Duration answerTimeout,
                          Duration bargeInAfter, Duration maxCallDuration, CallScripts scripts) {

        public Options {
            Objects.requireNonNull(accountSid, "accountSid");
            Objects.requireNonNull(authToken, "authToken");
            Objects.requireNonNull(scenario, "scenario");
            Objects.requireNonNull(scripts, "scripts");
        }

        /**
         * Port 0 (free), the local account and token, the {@code account-lookup} scenario, 100 ms ringing, a
         * 300 ms pause before the caller speaks, 3 s to wait for a greeting, 10 s for an answer, barge-in after
         * 200 ms of agent audio, calls cut after 120 s, per-call scripts of its own (kept 10 minutes unclaimed).
         */
        public static Options defaults() {
            return new Options(0, DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, Scenarios.load(Scenarios.ACCOUNT_LOOKUP),
                    Duration.ofMillis(100), Duration.ofMillis(300), Duration.ofSeconds(3), Duration.ofSeconds(10),
                    Duration.ofMillis(200), Duration.ofSeconds(120), new CallScripts(Duration.ofMinutes(10)));
        }

        public Options withPort(int value) {
            return new Options(value, accountSid, authToken, scenario, ringDelay, pauseBeforeSpeaking,
                    greetingTimeout, answerTimeout, bargeInAfter, maxCallDuration, scripts);
        }

        public Options withAccount(String sid, String token) {
            return new Options(port, sid, token, scenario, ringDelay, pauseBeforeSpeaking, greetingTimeout,
                    answerTimeout, bargeInAfter, maxCallDuration, scripts);
        }

        public Options withScenario(Scenario value) {
            return new Options(port, accountSid, authToken, value, ringDelay, pauseBeforeSpeaking, greetingTimeout,
                    answerTimeout, bargeInAfter, maxCallDuration, scripts);
        }

        public Options withRingDelay(Duration value) {
            return new Options(port, accountSid, authToken, scenario, value, pauseBeforeSpeaking, greetingTimeout,
                    answerTimeout, bargeInAfter, maxCallDuration, scripts);
        }

        public Options withPauseBeforeSpeaking(Duration value) {
            return new Options(port, accountSid, authToken, scenario, ringDelay, value, greetingTimeout,
                    answerTimeout, bargeInAfter, maxCallDuration, scripts);
        }

        public Options withGreetingTimeout(Duration value) {
            return new Options(port, accountSid, authToken, scenario, ringDelay, pauseBeforeSpeaking, value,
                    answerTimeout, bargeInAfter, maxCallDuration, scripts);
        }

        public Options withAnswerTimeout(Duration value) {
            return new Options(port, accountSid, authToken, scenario, ringDelay, pauseBeforeSpeaking,
                    greetingTimeout, value, bargeInAfter, maxCallDuration, scripts);
        }

        public Options withBargeInAfter(Duration value) {
            return new Options(port, accountSid, authToken, scenario, ringDelay, pauseBeforeSpeaking,
                    greetingTimeout, answerTimeout, value, maxCallDuration, scripts);
        }

        public Options withMaxCallDuration(Duration value) {
            return new Options(port, accountSid, authToken, scenario, ringDelay, pauseBeforeSpeaking,
                    greetingTimeout, answerTimeout, bargeInAfter, value, scripts);
        }

        /** Per-call scripts, shared with a realtime simulator so both sides of a call play the same one. */
        public Options withCallScripts(CallScripts value) {
            return new Options(port, accountSid, authToken, scenario, ringDelay, pauseBeforeSpeaking,
                    greetingTimeout, answerTimeout, bargeInAfter, maxCallDuration, value);
        }
    }

    private record Reply(int status, String body) {
    }

    private static final Logger log = LoggerFactory.getLogger(TwilioSimulator.class);
    private static final String ACCOUNT = "/2010-04-01/Accounts/{account}";
    private static final int MAX_SCRIPT_BYTES = 256 * 1024;
    private static final int MAX_KEPT = 1000;

    private final Options options;
    private final TwilioRestJson rest;
    private final WebhookClient webhooks;
    private final CallFlow flow;
    private final Map<String, CallState> calls = new LinkedHashMap<>();
    private final Map<String, MessageState> messages = new LinkedHashMap<>();
    private final Disposable.Composite running = Disposables.composite();
    private TwilioRestFault restFault = TwilioRestFault.none();
    private int restFaultsLeft;
    private int restRequests;
    private int restFaultsPlayed;
    private final DisposableServer server;

    private TwilioSimulator(Options options) {
        JsonMapper json = JsonMapper.builder().build();
        this.options = options;
        this.rest = new TwilioRestJson(json);
        this.webhooks = new WebhookClient(options.authToken());
        this.flow = new CallFlow(options, webhooks, new MediaStreamCodec(json));
        this.server = HttpServer.create()
                .port(options.port())
                .route(routes -> routes
                        .post(ACCOUNT + "/Calls.json", (req, res) -> handle(req, res, this::createCall))
                        .post(ACCOUNT + "/Calls/{sid}.json", (req, res) -> handle(req, res, this::updateCall))
                        .get(ACCOUNT + "/Calls/{sid}.json", (req, res) -> handle(req, res, this::fetchCall))
                        .post(ACCOUNT + "/Messages.json", (req, res) -> handle(req, res, this::createMessage))
                        .get(ACCOUNT + "/Messages/{sid}.json", (req, res) -> handle(req, res, this::fetchMessage))
                        .post(SCRIPTS_PATH, this::registerScript))
                .bindNow(Duration.ofSeconds(10));
        log.info("Twilio simulator at {} (account {}, scenario {})", baseUrl(), options.accountSid(),
                options.scenario().name());
    }

    /** Starts a simulator. */
    public static TwilioSimulator start(Options options) {
        return new TwilioSimulator(options);
    }

    /** The REST base URL, {@code http://localhost:<port>} (what {@code voice.twilio.api-base-url} points at). */
    public String baseUrl() {
        return "http://localhost:" + server.port();
    }

    /** The bound port. */
    public int port() {
        return server.port();
    }

    /** The options in use. */
    public Options options() {
        return options;
    }

    /** Snapshots of the calls so far (the most recent 1000), oldest first. */
    public List<SimulatedCall> calls() {
        synchronized (calls) {
            return calls.values().stream().map(CallState::snapshot).toList();
        }
    }

    /** A snapshot of one call. */
    public Optional<SimulatedCall> call(String sid) {
        return state(sid).map(CallState::snapshot);
    }

    /** Snapshots of the messages so far, oldest first. */
    public List<SimulatedMessage> messages() {
        synchronized (messages) {
            return messages.values().stream().map(MessageState::snapshot).toList();
        }
    }

    /** The call once its status history contains {@code status}; errors with a timeout otherwise. */
    public Mono<SimulatedCall> awaitCallStatus(String sid, String status, Duration timeout) {
        return Flux.interval(Duration.ZERO, Duration.ofMillis(20))
                .map(tick -> call(sid))
                .filter(call -> call.map(c -> c.statusHistory().contains(status)).orElse(false))
                .map(Optional::get)
                .next()
                .timeout(timeout, Mono.error(() -> new IllegalStateException(
                        "call " + sid + " did not reach '" + status + "' within " + timeout + ": " + call(sid))));
    }

    /** The per-call scripts this simulator claims calls' scripts from. */
    public CallScripts scripts() {
        return options.scripts();
    }

    private Publisher<Void> registerScript(HttpServerRequest request, HttpServerResponse response) {
        return request.receive().aggregate().asString(StandardCharsets.UTF_8)
                .defaultIfEmpty("")
                .map(this::scriptRegistered)
                .onErrorResume(e -> Mono.just(problem(e instanceof IllegalArgumentException
                        ? e.getMessage() : "The body could not be read.")))
                .flatMap(reply -> Mono.from(send(response, reply, reply.status() == 201
                        ? "application/json" : "application/problem+json")));
    }

    private Reply scriptRegistered(String body) {
        if (body.length() > MAX_SCRIPT_BYTES) {
            return problem("A caller script is at most " + MAX_SCRIPT_BYTES + " bytes.");
        }
        Scenario script = Scenarios.parse(body);
        if (script.turns().isEmpty()) {
            return problem("A caller script needs at least one turn.");
        }
        String to = options.scripts().register(script);
        log.info("Twilio simulator: caller script {} registered for {}", script.name(), to);
        return new Reply(201, rest.scriptRegistered(to, script.name(), script.turns().size(),
                options.scripts().ttl().toSeconds()));
    }

    private Reply problem(String detail) {
        return new Reply(400, rest.problem(400, "Bad Request", detail));
    }

    /** Plays this fault on REST requests from now on ({@link TwilioRestFault#none()} to stop). */
    public synchronized void useRestFault(TwilioRestFault fault) {
        restFault = Objects.requireNonNull(fault, "fault");
        restFaultsLeft = fault.requests();
    }

    /** Authorized REST requests received so far, faulted or not. */
    public synchronized int restRequests() {
        return restRequests;
    }

    /** REST requests that got a fault so far. */
    public synchronized int restFaultsPlayed() {
        return restFaultsPlayed;
    }

    /** The fault for the next authorized request, counting it. */
    private synchronized TwilioRestFault nextRestFault() {
        restRequests++;
        TwilioRestFault fault = restFault;
        if (fault.kind() == TwilioRestFault.Kind.NONE) {
            return fault;
        }
        if (fault.requests() > 0) {
            if (restFaultsLeft == 0) {
                return TwilioRestFault.none();
            }
            restFaultsLeft--;
        }
        restFaultsPlayed++;
        return fault;
    }

    /** Simulates an inbound call: Twilio fetches {@code voiceUrl} (signed) and runs its TwiML; returns the call SID. */
    public String placeInboundCall(String from, String to, String voiceUrl, String statusCallbackUrl) {
        CallState call = new CallState(sid("CA"), options.accountSid(), from, to, "inbound", voiceUrl, "POST", null,
                statusCallbackUrl, "POST", Set.of(), "ringing", options.scenario());
        launch(remember(call));
        return call.sid;
    }

    @Override
    public void close() {
        running.dispose();
        server.disposeNow(Duration.ofSeconds(5));
    }

    private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response,
                                   java.util.function.BiFunction<HttpServerRequest, Map<String, List<String>>, Reply> handler) {
        if (!authorized(request)) {
            return send(response, new Reply(401, rest.error(20003, "Authenticate", 401)));
        }
        TwilioRestFault fault = nextRestFault();
        if (fault.kind() == TwilioRestFault.Kind.FAIL) {
            return request.receive().then(Mono.from(send(response, new Reply(fault.httpStatus(),
                    rest.error(20500, "Internal Server Error", fault.httpStatus())))));
        }
        return request.receive().aggregate().asString(StandardCharsets.UTF_8)
                .defaultIfEmpty("")
                .map(body -> new QueryStringDecoder(body, StandardCharsets.UTF_8, false).parameters())
                .map(form -> handler.apply(request, form))
                .onErrorResume(e -> Mono.just(new Reply(400, rest.error(20001, "Bad request: " + e.getMessage(), 400))))
                // a slow Twilio has acted already; only its answer is late
                .transform(reply -> fault.delay().isZero() ? reply : reply.delayElement(fault.delay()))
                .flatMap(reply -> Mono.from(send(response, reply)));
    }

    private Publisher<Void> send(HttpServerResponse response, Reply reply) {
        return send(response, reply, "application/json; charset=utf-8");
    }

    private Publisher<Void> send(HttpServerResponse response, Reply reply, String contentType) {
        return response.status(reply.status())
                .header(HttpHeaderNames.CONTENT_TYPE, contentType)
                .sendString(Mono.just(reply.body()));
    }

    private boolean authorized(HttpServerRequest request) {
        String header = request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        String expected = "Basic " + Base64.getEncoder().encodeToString(
                (options.accountSid() + ":" + options.authToken()).getBytes(StandardCharsets.UTF_8));
        return expected.equals(header) && options.accountSid().equals(request.param("account"));
    }

    private Reply createCall(HttpServerRequest request, Map<String, List<String>> form) {
        String to = first(form, "To");
        String from = first(form, "From");
        String url = first(form, "Url");
        String twiml = first(form, "Twiml");
        if (to == null) {
            return new Reply(400, rest.error(21201, "No 'To' number is specified", 400));
        }
        if (from == null) {
            return new Reply(400, rest.error(21213, "No 'From' number is specified", 400));
        }
        if (url == null && twiml == null) {
            return new Reply(400, rest.error(21205, "Either a 'Url', 'Twiml' or 'ApplicationSid' parameter is required.", 400));
        }
        if (twiml == null && !absoluteHttpUrl(url)) {
            return new Reply(400, rest.error(21205, "Url is not a valid URL: " + url, 400));
        }
        String sid = sid("CA");
        Scenario script = options.scripts().claim(to, sid).orElse(options.scenario());
        CallState call = new CallState(sid, options.accountSid(), from, to, "outbound-api", url,
                Optional.ofNullable(first(form, "Method")).orElse("POST"), twiml, first(form, "StatusCallback"),
                Optional.ofNullable(first(form, "StatusCallbackMethod")).orElse("POST"),
                callbackEvents(form), "queued", script);
        remember(call);
        Reply reply = new Reply(201, rest.call(call.snapshot(), call.created));
        launch(call);
        return reply;
    }

    private Reply updateCall(HttpServerRequest request, Map<String, List<String>> form) {
        Optional<CallState> found = state(request.param("sid"));
        if (found.isEmpty()) {
            return notFound(request);
        }
        CallState call = found.get();
        String twiml = first(form, "Twiml");
        String status = first(form, "Status");
        String reason = null;
        if (twiml != null) {
            Twiml parsed;
            try {
                parsed = Twiml.parse(twiml);
            } catch (IllegalArgumentException e) {
                return new Reply(400, rest.error(12100, "Document parse failure: " + e.getMessage(), 400));
            }
            call.twiml(twiml);
            parsed.verbs().stream().filter(Twiml.Verb.Say.class::isInstance)
                    .forEach(say -> call.said(((Twiml.Verb.Say) say).text()));
            reason = parsed.dial().map(dial -> {
                call.transferredTo(dial.target());
                return "transfer";
            }).orElse("twiml");
        }
        if ("completed".equals(status) || "canceled".equals(status)) {
            reason = "api";
        }
        if (reason != null && !call.snapshot().ended()) {
            CallerMediaSession media = call.requestEnd(reason);
            if (media != null) {
                media.hangUp(reason);
            }
        }
        return new Reply(200, rest.call(call.snapshot(), call.created));
    }

    private Reply fetchCall(HttpServerRequest request, Map<String, List<String>> form) {
        return state(request.param("sid"))
                .map(call -> new Reply(200, rest.call(call.snapshot(), call.created)))
                .orElseGet(() -> notFound(request));
    }

    private Reply createMessage(HttpServerRequest request, Map<String, List<String>> form) {
        String to = first(form, "To");
        String from = first(form, "From");
        String body = first(form, "Body");
        if (to == null) {
            return new Reply(400, rest.error(21604, "A 'To' phone number is required.", 400));
        }
        if (from == null && first(form, "MessagingServiceSid") == null) {
            return new Reply(400, rest.error(21603, "A 'From' phone number is required.", 400));
        }
        if (body == null && first(form, "MediaUrl") == null) {
            return new Reply(400, rest.error(21602, "Message body is required.", 400));
        }
        MessageState message = new MessageState(sid("SM"), options.accountSid(), from, to, body,
                first(form, "StatusCallback"));
        synchronized (messages) {
            messages.put(message.sid, message);
            trim(messages);
        }
        Reply reply = new Reply(201, rest.message(message.snapshot(), message.created));
        track(deliver(message));
        return reply;
    }

    private Reply fetchMessage(HttpServerRequest request, Map<String, List<String>> form) {
        MessageState message;
        synchronized (messages) {
            message = messages.get(request.param("sid"));
        }
        return message == null ? notFound(request) : new Reply(200, rest.message(message.snapshot(), message.created));
    }

    /** Twilio's delivery progress: sent, then delivered, each with a signed status callback when asked for. */
    private Mono<Void> deliver(MessageState message) {
        return Flux.just("sent", "delivered")
                .delayElements(Duration.ofMillis(50))
                .concatMap(status -> messageStatus(message, status))
                .then();
    }

    private Mono<Void> messageStatus(MessageState message, String status) {
        message.status(status);
        if (message.statusCallback == null) {
            return Mono.empty();
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("AccountSid", message.accountSid);
        params.put("ApiVersion", TwilioRestJson.API_VERSION);
        params.put("From", message.from == null ? "" : message.from);
        params.put("MessageSid", message.sid);
        params.put("MessageStatus", status);
        params.put("SmsSid", message.sid);
        params.put("SmsStatus", status);
        params.put("To", message.to);
        return webhooks.send("message-status", "POST", message.statusCallback, params, message::webhook).then();
    }

    private void launch(CallState call) {
        track(flow.run(call));
    }

    /** Subscribes to a background job that {@link #close()} cancels; finished jobs leave the composite. */
    private void track(Mono<Void> job) {
        Disposable.Swap slot = Disposables.swap();
        running.add(slot);
        slot.update(job.doFinally(signal -> running.remove(slot))
                .subscribe(done -> { }, e -> log.warn("Twilio simulator job failed", e)));
    }

    private CallState remember(CallState call) {
        synchronized (calls) {
            calls.put(call.sid, call);
            trim(calls);
        }
        return call;
    }

    private Optional<CallState> state(String sid) {
        synchronized (calls) {
            return Optional.ofNullable(calls.get(sid));
        }
    }

    private Reply notFound(HttpServerRequest request) {
        return new Reply(404, rest.error(20404, "The requested resource " + request.path() + " was not found", 404));
    }

    private static void trim(Map<String, ?> map) {
        var it = map.keySet().iterator();
        while (map.size() > MAX_KEPT && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    private static Set<String> callbackEvents(Map<String, List<String>> form) {
        Set<String> events = new LinkedHashSet<>();
        for (String value : form.getOrDefault("StatusCallbackEvent", List.of())) {
            Arrays.stream(value.split("[\\s,]+")).filter(s -> !s.isBlank())
                    .forEach(event -> events.add(event.toLowerCase(Locale.ROOT)));
        }
        return events;
    }

    private static String first(Map<String, List<String>> form, String name) {
        List<String> values = form.get(name);
        return values == null || values.isEmpty() || values.get(0).isBlank() ? null : values.get(0);
    }

    private static boolean absoluteHttpUrl(String url) {
        try {
            URI uri = URI.create(url);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static String sid(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "");
    }
}
