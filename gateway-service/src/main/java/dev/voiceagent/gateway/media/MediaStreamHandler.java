package dev.voiceagent.gateway.media;

import dev.voiceagent.support.observability.CallLogContext;
import dev.voiceagent.gateway.logstream.CallLogLines;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Signal;

/**
 * {@code WS /api/v1/media-stream}: waits for Twilio's {@code start} (within a timeout), checks its media token
 * before any audio moves (bad, expired, reused on any instance or mismatched → close 1008; the shared check
 * failing → 1011), then relays the stream to the
 * media bridge, replaying {@code connected} and {@code start} first. {@link #activeStreams()} counts the open
 * streams (the gauge {@code voice.gateway.media_streams.active}, which the drain hook waits on).
 */
public class MediaStreamHandler implements WebSocketHandler {

    private static final Logger log = LoggerFactory.getLogger(MediaStreamHandler.class);

    private final MediaTokens tokens;
    private final MediaTokenUses uses;
    private final BridgeRelay relay;
    private final Duration startTimeout;
    private final CallLogLines lines;
    private final AtomicInteger active = new AtomicInteger();

    public MediaStreamHandler(MediaTokens tokens, MediaTokenUses uses, BridgeRelay relay, Duration startTimeout,
                              CallLogLines lines) {
        this.tokens = tokens;
        this.uses = uses;
        this.relay = relay;
        this.startTimeout = startTimeout;
        this.lines = lines;
    }

    /** One received frame: its text, a binary frame (Twilio sends only text), or the start deadline passing. */
    record Frame(String text, Kind kind) {
        enum Kind { TEXT, BINARY, DEADLINE }

        static final Frame BINARY = new Frame(null, Kind.BINARY);
        static final Frame DEADLINE = new Frame(null, Kind.DEADLINE);

        static Frame of(WebSocketMessage message) {
            return message.getType() == WebSocketMessage.Type.TEXT
                    ? new Frame(message.getPayloadAsText(), Kind.TEXT) : BINARY;
        }
    }

    /** Media streams open on this instance, from the WebSocket upgrade until the stream ends. */
    public int activeStreams() {
        return active.get();
    }

    @Override
    public Mono<Void> handle(WebSocketSession session) {
        return Mono.defer(() -> {
            active.incrementAndGet();
            return stream(session);
        }).doFinally(signal -> active.decrementAndGet());
    }

    private Mono<Void> stream(WebSocketSession session) {
        // The start deadline is a marker merged into the frames rather than a timeout operator: a timeout
        // cancels the inbound, and Reactor Netty answers that cancel with a close frame of its own, ahead of our
        // 1008. After start, a late marker is dropped by the relay.
        Flux<Frame> frames = session.receive()
                .map(Frame::of)
                .mergeWith(Mono.delay(startTimeout).map(tick -> Frame.DEADLINE));
        return frames.switchOnFirst((first, all) -> first.hasValue()
                        ? afterFirst(session, first.get(), all.skip(1))
                        : noStart(session, first))
                .then();
    }

    private Mono<Void> afterFirst(WebSocketSession session, Frame first, Flux<Frame> rest) {
        if (first.kind() != Frame.Kind.TEXT) {
            return notText(session, first);
        }
        TwilioStreamMessage message = TwilioStreamCodec.decode(first.text());
        if (message instanceof TwilioStreamMessage.Connected) {
            return rest.switchOnFirst((second, after) -> second.hasValue()
                            ? onStart(session, first.text(), second.get(), after.skip(1))
                            : noStart(session, second))
                    .then();
        }
        if (message instanceof TwilioStreamMessage.Start) {
            return onStart(session, null, first, rest);
        }
        if (message instanceof TwilioStreamMessage.Other other) {
            return close(session, CloseStatus.POLICY_VIOLATION.withReason("expected start before " + other.event()));
        }
        return close(session, CloseStatus.NOT_ACCEPTABLE.withReason(((TwilioStreamMessage.Malformed) message).reason()));
    }

    private Mono<Void> onStart(WebSocketSession session, String connected, Frame frame, Flux<Frame> rest) {
        if (frame.kind() != Frame.Kind.TEXT) {
            return notText(session, frame);
        }
        if (!(TwilioStreamCodec.decode(frame.text()) instanceof TwilioStreamMessage.Start start)) {
            return close(session, CloseStatus.POLICY_VIOLATION.withReason("expected start"));
        }
        MediaTokenClaims claims;
        try {
            claims = tokens.consume(start.token(), start.callSid());
        } catch (MediaTokenException e) {
            return refuse(session, start.callSid(), e.getMessage());
        }
        return uses.claim(claims)
                .onErrorResume(e -> {
                    log.warn("media stream for call {}: the shared token check failed: {}", start.callSid(), e.toString());
                    return close(session, CloseStatus.SERVER_ERROR).then(Mono.empty());
                })
                .flatMap(first -> first ? accepted(session, connected, frame, start, claims, rest)
                        : refuse(session, start.callSid(), "media token was already used"));
    }

    private Mono<Void> accepted(WebSocketSession session, String connected, Frame frame,
                                TwilioStreamMessage.Start start, MediaTokenClaims claims, Flux<Frame> rest) {
        log.info("media stream {} for call {} accepted", start.streamSid(), claims.callSid());
        lines.info(claims.tenantId(), claims.callSid(), "media stream " + start.streamSid() + " connected",
                claims.traceparent());
        Flux<String> preamble = connected == null ? Flux.just(frame.text()) : Flux.just(connected, frame.text());
        return relay.relay(session, claims, preamble.concatWith(relayed(rest)))
                .transform(CallLogContext.forCall(claims.tenantId(), claims.callSid()))
                .doFinally(signal -> lines.info(claims.tenantId(), claims.callSid(),
                        "media stream " + start.streamSid() + " closed", claims.traceparent()));
    }

    private static Mono<Void> refuse(WebSocketSession session, String callSid, String why) {
        log.warn("media stream for call {} refused: {}", callSid, why);
        return close(session, CloseStatus.POLICY_VIOLATION.withReason(why));
    }

    private static Flux<String> relayed(Flux<Frame> frames) {
        return frames.filter(frame -> frame.kind() == Frame.Kind.TEXT).map(Frame::text);
    }

    private static Mono<Void> notText(WebSocketSession session, Frame frame) {
        return frame.kind() == Frame.Kind.DEADLINE
                ? close(session, CloseStatus.POLICY_VIOLATION.withReason("no start message in time"))
                : close(session, CloseStatus.NOT_ACCEPTABLE.withReason("binary frames are not supported"));
    }

    private static Mono<Void> noStart(WebSocketSession session, Signal<? extends Frame> signal) {
        if (signal.isOnError()) {
            log.warn("media stream failed before start: {}", signal.getThrowable().toString());
            return close(session, CloseStatus.SERVER_ERROR);
        }
        return Mono.empty();
    }

    private static Mono<Void> close(WebSocketSession session, CloseStatus status) {
        return session.isOpen() ? session.close(status) : Mono.empty();
    }
}
