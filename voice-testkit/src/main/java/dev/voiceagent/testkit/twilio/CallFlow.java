package dev.voiceagent.testkit.twilio;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;

/**
 * What Twilio does with a call once it exists: progress callbacks, the signed TwiML fetch, the verbs (a
 * {@code <Connect><Stream>} becomes a {@link CallerMediaSession}), and the final status callback.
 */
final class CallFlow {

    private static final Logger log = LoggerFactory.getLogger(CallFlow.class);
    private static final String FAILED = "failed";
    private static final String COMPLETED = "completed";

    private final TwilioSimulator.Options options;
    private final WebhookClient webhooks;
    private final MediaStreamCodec codec;
    /** Unpooled: a pooled client caps WebSocket connections at 16 on 2 cores, far below a load test's calls. */
    private final HttpClient websockets = HttpClient.create(reactor.netty.resources.ConnectionProvider.newConnection());
    private final WebsocketClientSpec wsSpec = WebsocketClientSpec.builder().maxFramePayloadLength(1 << 20).build();

    CallFlow(TwilioSimulator.Options options, WebhookClient webhooks, MediaStreamCodec codec) {
        this.options = options;
        this.webhooks = webhooks;
        this.codec = codec;
    }

    /** Runs the call to its end; never errors. */
    Mono<Void> run(CallState call) {
        return twiml(call)
                .flatMap(twiml -> perform(call, twiml))
                .switchIfEmpty(Mono.fromCallable(() -> call.endRequested() != null ? "canceled" : FAILED))
                .onErrorResume(e -> failed(call, "call flow error: " + e))
                .flatMap(status -> finish(call, status));
    }

    /** Outbound calls ring, are answered, then fetch TwiML; inbound calls fetch TwiML while ringing. */
    private Mono<Twiml> twiml(CallState call) {
        if ("inbound".equals(call.direction)) {
            return fetchTwiml(call).flatMap(twiml -> answer(call).thenReturn(twiml));
        }
        return progress(call, "initiated", "initiated")
                .then(progress(call, "ringing", "ringing"))
                .then(Mono.delay(options.ringDelay()))
                .then(Mono.defer(() -> answer(call)))
                .then(Mono.defer(() -> fetchTwiml(call)));
    }

    private Mono<Void> answer(CallState call) {
        return call.endRequested() != null ? Mono.empty() : progress(call, "answered", "in-progress");
    }

    private Mono<Twiml> fetchTwiml(CallState call) {
        if (call.endRequested() != null) {
            return Mono.empty();
        }
        if (call.inlineTwiml != null) {
            return parsed(call, call.inlineTwiml);
        }
        Map<String, String> params = callParams(call, "inbound".equals(call.direction) ? "ringing" : "in-progress");
        return webhooks.send("voice", call.voiceMethod, call.voiceUrl, params, call::webhook)
                .flatMap(result -> result.ok()
                        ? parsed(call, result.body())
                        : failed(call, "11200 HTTP retrieval failure: " + (result.status() == 0
                                ? result.error() : "status " + result.status())).then(Mono.empty()));
    }

    private Mono<Twiml> parsed(CallState call, String xml) {
        call.twiml(xml);
        try {
            return Mono.just(Twiml.parse(xml));
        } catch (IllegalArgumentException e) {
            return failed(call, "12100 Document parse failure: " + e.getMessage()).then(Mono.empty());
        }
    }

    /** Runs the verbs in order until one ends the call; answers the final status. */
    private Mono<String> perform(CallState call, Twiml twiml) {
        return Flux.fromIterable(twiml.verbs())
                .concatMap(verb -> verb(call, verb))
                .takeWhile(proceed -> proceed && call.endRequested() == null)
                .then(Mono.fromCallable(() -> call.snapshot().error() == null ? COMPLETED : FAILED));
    }

    /** Performs one verb; answers whether the next verb runs. */
    private Mono<Boolean> verb(CallState call, Twiml.Verb verb) {
        if (verb instanceof Twiml.Verb.ConnectStream stream) {
            return stream(call, stream);
        } else if (verb instanceof Twiml.Verb.Say say) {
            call.said(say.text());
        } else if (verb instanceof Twiml.Verb.Dial dial) {
            call.transferredTo(dial.target());
            return Mono.just(false);
        } else if (verb instanceof Twiml.Verb.Hangup) {
            return Mono.just(false);
        }
        return Mono.just(true);
    }

    private Mono<Boolean> stream(CallState call, Twiml.Verb.ConnectStream stream) {
        String streamSid = TwilioSimulator.sid("MZ");
        call.stream(stream.url(), stream.parameters(), streamSid);
        CallerMediaSession session =
                new CallerMediaSession(call, streamSid, stream.parameters(), call.script, options, codec);
        call.mediaAttached(session);
        return websockets.websocket(wsSpec).uri(stream.url())
                .handle(session::run)
                .then()
                .timeout(options.maxCallDuration().plusSeconds(10))
                .onErrorResume(e -> {
                    call.error("31920 Stream - WebSocket - Handshake Error: " + e.getMessage());
                    call.streamClosed(null, "error");
                    return Mono.empty();
                })
                // Twilio continues with the next verb only when the application closed the stream.
                .then(Mono.fromCallable(() -> "server".equals(call.snapshot().endedBy())));
    }

    private Mono<String> failed(CallState call, String error) {
        log.debug("call {} failed: {}", call.sid, error);
        call.error(error);
        return Mono.just(FAILED);
    }

    private Mono<Void> finish(CallState call, String status) {
        int duration = call.finish(status);
        Map<String, String> params = callbackParams(call, status);
        params.put("CallDuration", Integer.toString(duration));
        params.put("Duration", Integer.toString((duration + 59) / 60));
        return callback(call, "completed", params);
    }

    private Mono<Void> progress(CallState call, String event, String status) {
        return Mono.defer(() -> {
            call.status(status);
            return callback(call, event, callbackParams(call, status));
        });
    }

    private Mono<Void> callback(CallState call, String event, Map<String, String> params) {
        boolean wanted = call.statusCallbackEvents.isEmpty() ? "completed".equals(event)
                : call.statusCallbackEvents.contains(event);
        if (call.statusCallback == null || !wanted) {
            return Mono.empty();
        }
        return webhooks.send("status", call.statusCallbackMethod, call.statusCallback, params, call::webhook).then();
    }

    private Map<String, String> callbackParams(CallState call, String status) {
        Map<String, String> params = callParams(call, status);
        params.put("CallbackSource", "call-progress-events");
        params.put("SequenceNumber", Integer.toString(call.nextCallbackSequence()));
        params.put("Timestamp", TwilioRestJson.RFC_2822.format(Instant.now()));
        return params;
    }

    private static Map<String, String> callParams(CallState call, String status) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("AccountSid", call.accountSid);
        params.put("ApiVersion", TwilioRestJson.API_VERSION);
        params.put("CallSid", call.sid);
        params.put("CallStatus", status);
        params.put("Called", call.to);
        params.put("Caller", call.from);
        params.put("Direction", call.direction);
        params.put("From", call.from);
        params.put("To", call.to);
        return params;
    }
}
