package dev.voiceagent.gateway.media;

import dev.voiceagent.gateway.support.CallTraces;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.client.WebSocketClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Opens the media bridge's internal WebSocket for an accepted stream and relays text frames unchanged in both
 * directions as two directed pipelines; a close on either side closes the other with the same code.
 */
public class BridgeRelay {

    private static final Logger log = LoggerFactory.getLogger(BridgeRelay.class);

    private final WebSocketClient client;
    private final URI bridgeUrl;

    public BridgeRelay(WebSocketClient client, URI bridgeUrl) {
        this.client = client;
        this.bridgeUrl = bridgeUrl;
    }

    /** Relays {@code inbound} (already started with the replayed preamble) until either side closes. */
    public Mono<Void> relay(WebSocketSession twilio, MediaTokenClaims claims, Flux<String> inbound) {
        return client.execute(bridgeUrl, headers(claims), bridge -> pipe(twilio, bridge, inbound))
                .onErrorResume(e -> bridgeFailed(twilio, claims, e));
    }

    static HttpHeaders headers(MediaTokenClaims claims) {
        HttpHeaders headers = new HttpHeaders();
        headers.set("X-Voice-Call-Sid", claims.callSid());
        headers.set("X-Voice-Tenant-Id", claims.tenantId());
        setIfPresent(headers, "X-Voice-Agent-Key", claims.agentKey());
        setIfPresent(headers, "X-Voice-Agent-Version-Id", claims.agentVersionId());
        setIfPresent(headers, "X-Voice-Caller", claims.caller());
        setIfPresent(headers, "X-Voice-Direction", claims.direction());
        if (CallTraces.valid(claims.traceparent())) {
            // the bridge's handshake continues the call's trace; its session spans follow from there
            headers.set(CallTraces.TRACEPARENT, claims.traceparent());
        }
        return headers;
    }

    private static void setIfPresent(HttpHeaders headers, String name, String value) {
        if (value != null && !value.isBlank()) {
            headers.set(name, value);
        }
    }

    private Mono<Void> pipe(WebSocketSession twilio, WebSocketSession bridge, Flux<String> inbound) {
        Mono<Void> toBridge = bridge.send(inbound.map(bridge::textMessage));
        Mono<Void> toTwilio = twilio.send(bridge.receive()
                .filter(message -> message.getType() == WebSocketMessage.Type.TEXT)
                .map(message -> twilio.textMessage(message.getPayloadAsText())));
        // Close mirroring runs beside the pipelines and fires as soon as a close frame arrives, before either
        // pipeline ends: an ended or cancelled pipeline makes Reactor Netty send a close of its own, which must
        // not overtake the code we carry across. Mono.when waits for all four (a zip would end at the first
        // empty one); a pipeline failing because its peer has gone is the normal end of a call, not an error.
        return Mono.when(quietly(toBridge, "to bridge"), quietly(toTwilio, "to twilio"),
                mirrorClose(bridge, twilio), mirrorClose(twilio, bridge));
    }

    private static Mono<Void> quietly(Mono<Void> pipeline, String direction) {
        return pipeline.onErrorResume(e -> {
            log.debug("relay {} ended: {}", direction, e.toString());
            return Mono.empty();
        });
    }

    /** When {@code from} is closed by its peer, close {@code to} with the same (sendable) code. */
    private static Mono<Void> mirrorClose(WebSocketSession from, WebSocketSession to) {
        return from.closeStatus()
                .defaultIfEmpty(CloseStatus.GOING_AWAY)
                .filter(status -> to.isOpen())
                .flatMap(status -> to.close(sendable(status)))
                .onErrorResume(e -> Mono.empty());
    }

    /** 1005/1006/1015 describe a missing or broken close and must not be sent on the wire. */
    static CloseStatus sendable(CloseStatus status) {
        return switch (status.getCode()) {
            case 1005 -> CloseStatus.NORMAL;
            case 1006, 1015 -> CloseStatus.SERVER_ERROR.withReason("peer connection lost");
            default -> status;
        };
    }

    private Mono<Void> bridgeFailed(WebSocketSession twilio, MediaTokenClaims claims, Throwable e) {
        log.error("media bridge relay for call {} failed: {}", claims.callSid(), e.toString());
        return twilio.isOpen() ? twilio.close(CloseStatus.SERVER_ERROR.withReason("media bridge unavailable"))
                : Mono.empty();
    }
}
