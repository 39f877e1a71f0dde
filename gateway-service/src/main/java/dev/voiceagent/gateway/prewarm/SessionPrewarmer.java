package dev.voiceagent.gateway.prewarm;

import dev.voiceagent.gateway.media.BridgeDirectory;
import dev.voiceagent.gateway.support.BackgroundSender;
import dev.voiceagent.gateway.support.CallTraces;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.net.URI;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Asks the media bridge to open (or take from a warm pool) the model session while Twilio is still connecting the
 * media stream: {@code POST {bridge-api-url}/internal/v1/sessions/prewarm}, on the bridge instance the
 * {@link BridgeDirectory} chooses for the call (the one its stream will be relayed to), or on the bridge Service
 * when none is known. Fire-and-forget but tracked: requests go through a bounded {@link BackgroundSender} (never
 * delaying the TwiML answer), each with a timeout; failures are only logged, since the bridge opens the session on
 * stream start anyway. A pre-warm the chosen instance did not take is not sent to the Service instead: there it
 * would most likely warm an instance the stream never reaches.
 * <p>
 * One request per call, so it is sent lean: Reactor Netty's client on kept-alive connections, the body encoded once,
 * and the call's {@code traceparent} as a header, so that the bridge's pre-warm joins the call's trace. (Through
 * {@code WebClient}, each pre-warm cost about a quarter of the gateway's CPU for the whole incoming-call request:
 * its filters, codecs and an observation with a client span of its own.)
 */
public class SessionPrewarmer {

    public static final String PATH = "/internal/v1/sessions/prewarm";
    private static final Logger log = LoggerFactory.getLogger(SessionPrewarmer.class);

    /** The body the bridge receives (snake_case on the wire). */
    public record Prewarm(String callSid, String tenantId, String agentKey, String agentVersionId, String caller,
                          String direction) {
    }

    /** A queued pre-warm and the trace of the call it belongs to (null: none). */
    private record Queued(Prewarm request, String traceparent) {
    }

    private final HttpClient client;
    private final JsonMapper json;
    private final BridgeDirectory bridges;
    private final Duration timeout;
    private final boolean enabled;
    private final BackgroundSender<Queued> sender;

    /** {@code client} should keep connections alive (a pooled provider); its base URL is not used. */
    public SessionPrewarmer(HttpClient client, JsonMapper json, BridgeDirectory bridges, Duration timeout,
                            boolean enabled, int queue, int concurrency) {
        this.client = client;
        this.json = json;
        this.bridges = bridges;
        this.timeout = timeout;
        this.enabled = enabled;
        this.sender = new BackgroundSender<>("session pre-warm", queue, concurrency, this::send);
    }

    /** The background sender, registered as a lifecycle bean by the configuration. */
    public BackgroundSender<?> sender() {
        return sender;
    }

    /**
     * Queues a pre-warm request for the call whose trace is {@code traceparent} (null: none); returns at once. Without
     * an agent there is no session to prepare.
     */
    public void prewarm(Prewarm request, String traceparent) {
        if (enabled && request.agentKey() != null) {
            sender.offer(new Queued(request, traceparent));
        }
    }

    /** The pre-warm endpoint under a bridge API URL. */
    static String endpoint(URI bridgeApiUrl) {
        String base = bridgeApiUrl.toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + PATH;
    }

    private Mono<Void> send(Queued queued) {
        Prewarm request = queued.request();
        byte[] body = json.writeValueAsBytes(request);
        String endpoint = endpoint(bridges.choose(request.callSid()).apiUrl());
        return client.headers(headers -> {
                    headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
                    if (CallTraces.valid(queued.traceparent())) {
                        headers.set(CallTraces.TRACEPARENT, queued.traceparent());
                    }
                })
                .post()
                .uri(endpoint)
                .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                // the answer's body is read and released; only its status matters
                .response((response, content) -> content.then(Mono.just(response.status().code())))
                .next()
                .timeout(timeout)
                .doOnNext(status -> {
                    if (status >= 400) {
                        log.warn("pre-warm for call {} at {} answered {}", request.callSid(), endpoint, status);
                    } else {
                        log.debug("pre-warm for call {} at {} answered {}", request.callSid(), endpoint, status);
                    }
                })
                .then()
                .onErrorResume(e -> {
                    log.warn("pre-warm for call {} at {} failed: {}", request.callSid(), endpoint, e.toString());
                    return Mono.empty();
                });
    }
}
