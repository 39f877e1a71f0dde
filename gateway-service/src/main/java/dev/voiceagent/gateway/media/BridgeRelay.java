package dev.voiceagent.gateway.media;

import dev.voiceagent.gateway.support.CallTraces;
import dev.voiceagent.support.EventLoops;
import io.netty.util.concurrent.EventExecutor;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.client.WebSocketClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Opens the media bridge's internal WebSocket for an accepted stream and relays text frames unchanged in both
 * directions as two directed pipelines (their bytes as they came, never decoded); a close on either side closes the
 * other with the same code. A bridge that cannot be reached, or whose connection drops without a close frame while the
 * caller is still on the line, is {@link BridgeLoss lost}: the caller hears an apology before the stream closes, and
 * the call gets an outcome. So does a call the bridge {@link #refusal refuses} before it says anything (after asking
 * again, for a refusal at capacity); the stream is then closed with the bridge's code, unless Twilio has already ended
 * it for the apology.
 * <p>
 * The first connection goes to the bridge instance the {@link BridgeDirectory} chooses for the call (where its
 * pre-warm went); when that instance refuses at capacity or cannot be connected to, the next goes to the bridge
 * Service, so that another instance takes the call. A connection counts as opened once its WebSocket handshake is
 * done; one whose handshake has not finished within the connect timeout (a wedged instance that accepts TCP but
 * never answers the upgrade) is given up as unreachable.
 */
public class BridgeRelay {

    private static final Logger log = LoggerFactory.getLogger(BridgeRelay.class);
    /** The code Reactor Netty reports for a connection that ended without a close frame. */
    private static final int ABNORMAL = 1006;
    private static final CloseStatus LOST = CloseStatus.SERVER_ERROR.withReason("media bridge lost");

    private final WebSocketClient client;
    private final BridgeDirectory directory;
    private final BridgeLoss loss;
    private final int refusalRetries;
    private final Duration connectTimeout;

    public BridgeRelay(WebSocketClient client, BridgeDirectory directory, BridgeLoss loss, int refusalRetries,
                       Duration connectTimeout) {
        this.client = client;
        this.directory = directory;
        this.loss = loss;
        this.refusalRetries = refusalRetries;
        this.connectTimeout = connectTimeout;
    }

    /**
     * Relays the caller's stream — {@code preamble} (the {@code connected} and {@code start} frames already read),
     * then {@code live} — until either side closes. The bridge socket is opened on {@code callerLoop}, the caller
     * socket's event loop (when known), so that every frame is written where it was read, without a hand-over between
     * threads (see {@link EventLoops}). A bridge at capacity that refuses the stream (1013 before it said anything) is
     * asked again up to {@code refusalRetries} times: the bridge URL is a load-balanced service, and the next
     * connection may reach an instance with room. The first connection goes to the call's chosen instance, when there
     * is one; every later one, and one after a chosen instance that could not be connected to, to the Service.
     */
    public Mono<Void> relay(WebSocketSession twilio, MediaTokenClaims claims, List<byte[]> preamble, Flux<byte[]> live,
                            Optional<EventExecutor> callerLoop) {
        return Mono.defer(() -> {
            Stream stream = new Stream(twilio, claims, Instant.now(), directory.choose(claims.callSid()));
            // The caller's frames are read through publish(): when the bridge connection drops, its send cancels
            // its subscription, and a cancel reaching the caller's inbound would make Reactor Netty close the
            // caller's socket (no code) before the caller hears why. Without a subscriber, reading simply pauses,
            // and a bridge asked again after a refusal picks up where the refused one stopped.
            Flux<byte[]> callerFrames = live.publish().autoConnect(1);
            Flux<byte[]> callerSide = Flux.fromIterable(preamble).concatWith(callerFrames);
            // each bridge connection, in turn (more than one only after a refusal)
            Sinks.Many<WebSocketSession> bridges = Sinks.many().unicast().onBackpressureBuffer();
            // Set once the bridge side's end has been dealt with: its code relayed, or the caller told it was lost.
            Sinks.Empty<Void> bridgeEndHandled = Sinks.empty();
            Mono<Void> bridgeSide = connect(stream, callerSide, bridges, callerLoop)
                    .onErrorResume(e -> Mono.empty())
                    .doFinally(signal -> {
                        bridges.tryEmitComplete();
                        bridgeEndHandled.tryEmitEmpty();
                    });
            // The caller-bound pipeline lives outside the bridge connection's handler and ends only once the bridge
            // side's end is handled: an ended or cancelled send makes Reactor Netty close the caller's socket at once
            // without a code — ahead of the code we carry across, or of the apology for a lost bridge.
            // The bridge's frames go on to the caller as they came, without a copy: the frame's buffer is retained
            // here (Reactor Netty releases it once this signal returns), and the caller socket's write releases it.
            Mono<Void> toTwilio = twilio.send(bridges.asFlux()
                    .concatMap(bridge -> bridge.receive()
                            .filter(message -> message.getType() == WebSocketMessage.Type.TEXT)
                            .map(message -> {
                                stream.heardFromBridge();
                                return new WebSocketMessage(WebSocketMessage.Type.TEXT,
                                        DataBufferUtils.retain(message.getPayload()));
                            })
                            .onErrorResume(e -> Flux.empty()))
                    .concatWith(bridgeEndHandled.asMono().then(Mono.<WebSocketMessage>empty()))
                    .doOnDiscard(WebSocketMessage.class, WebSocketMessage::release));
            // Mono.when waits for both; a pipeline failing because its peer has gone is the normal end of a call
            return Mono.when(bridgeSide, quietly(toTwilio, "to twilio"));
        });
    }

    /** One bridge connection for the stream and, when it has ended, what its end calls for: another, or the end. */
    private Mono<Void> connect(Stream stream, Flux<byte[]> callerSide, Sinks.Many<WebSocketSession> bridges,
                               Optional<EventExecutor> callerLoop) {
        URI url = stream.target.streamUrl();
        return EventLoops.colocatedOn(callerLoop, client.execute(url, headers(stream.claims), bridge -> {
                    stream.opened = true;
                    bridges.tryEmitNext(bridge);
                    // the bridge connection's end, with or without a close frame, ends the other two
                    Sinks.One<Boolean> bridgeEnded = Sinks.one();
                    return Mono.when(
                            quietly(bridge.send(callerSide.takeUntilOther(bridgeEnded.asMono())
                                    .map(utf8 -> new WebSocketMessage(WebSocketMessage.Type.TEXT,
                                            bridge.bufferFactory().wrap(utf8)))), "to bridge"),
                            bridgeCloseCode(stream, bridge)
                                    .doFinally(signal -> bridgeEnded.tryEmitValue(true)),
                            callerClosed(stream, bridge, bridgeEnded.asMono()));
                }))
                // the handshake, not the call: once the connection is open this never fires
                .timeout(Mono.delay(connectTimeout).flatMap(t -> stream.opened ? Mono.never() : Mono.just(t)))
                .onErrorResume(e -> {
                    stream.failure = e;
                    if (stream.unreachableInstance()) {
                        log.warn("media bridge instance {} for call {} could not be connected to ({}); asking the "
                                + "bridge service", url, stream.claims.callSid(), e.toString());
                    } else {
                        log.error("media bridge relay for call {} failed: {}", stream.claims.callSid(), e.toString());
                    }
                    return Mono.empty();
                })
                .then(Mono.defer(() -> next(stream, callerSide, bridges, callerLoop)));
    }

    /** After a bridge connection has ended: another one, to the bridge Service, or the end of the bridge side. */
    private Mono<Void> next(Stream stream, Flux<byte[]> callerSide, Sinks.Many<WebSocketSession> bridges,
                            Optional<EventExecutor> callerLoop) {
        boolean fromInstance = stream.target.chosen();
        if (stream.askAgain(refusalRetries)) {
            loss.askingAgain(stream.claims);
            if (fromInstance) {
                directory.fellBack(BridgeDirectory.Fallback.REFUSED);
            }
        } else if (stream.unreachableInstance() && stream.callerOnLine()) {
            // the instance is gone since the last lookup (or not reachable from here): not a loss of the call yet
            directory.fellBack(BridgeDirectory.Fallback.UNREACHABLE);
            stream.failure = null;
        } else {
            return afterBridge(stream);
        }
        stream.target = directory.service();
        stream.opened = false;
        return connect(stream, callerSide, bridges, callerLoop);
    }

    /**
     * One relayed stream: the caller's side, its claims, when it started, where its bridge connection goes, and how
     * each side ended.
     */
    private static final class Stream {
        final WebSocketSession twilio;
        final MediaTokenClaims claims;
        final Instant started;
        final AtomicBoolean callerGone = new AtomicBoolean();
        /** Where the current bridge connection goes: the chosen instance first, then the bridge Service. */
        volatile BridgeDirectory.Target target;
        /** Whether the current bridge connection was opened (its handshake done). */
        volatile boolean opened;
        /** The bridge's close frame, when one came. */
        volatile CloseStatus bridgeStatus;
        /** Why the bridge connection could not be opened or failed, when it did. */
        volatile Throwable failure;
        /** Whether the bridge has sent the caller anything (written once, read per frame as a plain load). */
        private volatile boolean bridgeSpoke;
        /** Bridge connections refused at capacity so far. */
        private int refusals;

        Stream(WebSocketSession twilio, MediaTokenClaims claims, Instant started, BridgeDirectory.Target target) {
            this.twilio = twilio;
            this.claims = claims;
            this.started = started;
            this.target = target;
        }

        /** Whether the current connection went to a chosen instance and failed before it was opened. */
        boolean unreachableInstance() {
            return target.chosen() && failure != null && !opened;
        }

        void heardFromBridge() {
            if (!bridgeSpoke) {
                bridgeSpoke = true;
            }
        }

        /**
         * Whether the bridge connection that just ended refused the stream at capacity with retries left while the
         * caller is on the line; if so, it is forgotten, and the next connection starts afresh.
         */
        boolean askAgain(int retries) {
            CloseStatus status = bridgeStatus;
            if (failure != null || status == null || status.getCode() != CloseStatus.SERVICE_OVERLOAD.getCode()
                    || !refusal(this, status) || refusals >= retries || !callerOnLine()) {
                return false;
            }
            refusals++;
            bridgeStatus = null;
            return true;
        }

        /** The caller is still on the line: Twilio has not closed the stream and the socket is open. */
        boolean callerOnLine() {
            return !callerGone.get() && twilio.isOpen();
        }
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

    /**
     * The bridge's close frame, carried to the caller as soon as it arrives (before either pipeline ends) with the
     * same (sendable) code.
     */
    private static Mono<Void> bridgeCloseCode(Stream stream, WebSocketSession bridge) {
        return bridge.closeStatus()
                .doOnNext(status -> stream.bridgeStatus = status)
                .filter(status -> status.getCode() != ABNORMAL && !refusal(stream, status) && stream.callerOnLine())
                .flatMap(status -> stream.twilio.close(sendable(status)))
                .onErrorResume(e -> Mono.empty());
    }

    /**
     * The caller's close, carried to the bridge; from then on the caller is gone. Waiting for it stops when the
     * bridge connection ends first, but a close already on its way to the bridge is not cut short.
     */
    private static Mono<Void> callerClosed(Stream stream, WebSocketSession bridge, Mono<Boolean> bridgeEnded) {
        return stream.twilio.closeStatus()
                .defaultIfEmpty(CloseStatus.GOING_AWAY)
                .takeUntilOther(bridgeEnded)
                .doOnNext(status -> stream.callerGone.set(true))
                .filter(status -> bridge.isOpen())
                .flatMap(status -> bridge.close(sendable(status)))
                .onErrorResume(e -> Mono.empty());
    }

    /**
     * After the bridge connection has ended: a caller still on the line whose bridge went without a close frame, or
     * could not be reached, is told the bridge was lost.
     */
    private Mono<Void> afterBridge(Stream stream) {
        if (!stream.callerOnLine()) {
            return Mono.empty();
        }
        CloseStatus status = stream.bridgeStatus;
        if (stream.failure == null && status != null && status.getCode() != ABNORMAL) {
            if (refusal(stream, status)) {
                String detail = status.getCode() + (status.getReason() == null ? "" : " " + status.getReason());
                return loss.refused(stream.claims, stream.started, detail)
                        .then(Mono.defer(() -> closeIfOpen(stream.twilio, sendable(status))));
            }
            // a close frame: its code went to the caller as it arrived (bridgeCloseCode)
            return Mono.empty();
        }
        String detail = stream.failure != null ? "failed: " + stream.failure.getClass().getSimpleName()
                : "connection dropped";
        return loss.lost(stream.claims, stream.started, detail).then(Mono.defer(() -> closeIfOpen(stream.twilio, LOST)));
    }

    /**
     * The bridge closed the stream before it sent the caller anything, with a code that means it will not take the
     * call: 1013 (at capacity) or 1008 (a tenant or agent it does not know, headers it cannot read). A live session's
     * own endings close with other codes or after it has spoken, and publish their outcome themselves.
     */
    private static boolean refusal(Stream stream, CloseStatus status) {
        return !stream.bridgeSpoke && (status.getCode() == CloseStatus.SERVICE_OVERLOAD.getCode()
                || status.getCode() == CloseStatus.POLICY_VIOLATION.getCode());
    }

    /** Closes {@code session} with {@code status} unless it is closed already. */
    static Mono<Void> closeIfOpen(WebSocketSession session, CloseStatus status) {
        return session.isOpen() ? session.close(status) : Mono.empty();
    }

    private static Mono<Void> quietly(Mono<Void> pipeline, String direction) {
        return pipeline.onErrorResume(e -> {
            log.debug("relay {} ended: {}", direction, e.toString());
            return Mono.empty();
        });
    }

    /** 1005/1006/1015 describe a missing or broken close and must not be sent on the wire. */
    static CloseStatus sendable(CloseStatus status) {
        return switch (status.getCode()) {
            case 1005 -> CloseStatus.NORMAL;
            case 1006, 1015 -> CloseStatus.SERVER_ERROR.withReason("peer connection lost");
            default -> status;
        };
    }
}
