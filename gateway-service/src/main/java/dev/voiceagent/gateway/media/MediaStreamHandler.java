package dev.voiceagent.gateway.media;

import dev.voiceagent.support.EventLoops;
import dev.voiceagent.support.LingeringClose;
import dev.voiceagent.support.observability.CallLogContext;
import dev.voiceagent.gateway.limits.StreamLimits;
import dev.voiceagent.gateway.logstream.CallLogLines;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Signal;
import reactor.core.publisher.Sinks;
import reactor.util.context.Context;

/**
 * {@code WS /api/v1/media-stream}: waits for Twilio's {@code start} (within a timeout), checks its media token
 * before any audio moves (bad, expired, reused on any instance or mismatched → close 1008; when the shared
 * record of used tokens cannot answer, this instance's check decides), then relays the stream to the
 * media bridge, replaying {@code connected} and {@code start} first. A tenant over its concurrent streams is refused
 * with 1013; a stream sending more frames a second than allowed is closed with 1008, a frame over the size limit
 * with 1009. A refused stream is closed at once; what the client still sends is read and dropped until its close
 * frame (the server's {@link LingeringClose}), so that it sees the code rather than a TCP reset.
 * {@link #activeStreams()} counts the open streams (the gauge {@code voice.gateway.media_streams.active}, which the
 * drain hook waits on).
 */
public class MediaStreamHandler implements WebSocketHandler {

    private static final Logger log = LoggerFactory.getLogger(MediaStreamHandler.class);
    /**
     * How long a refused stream's remaining frames are read after its close: past the server's linger on a close,
     * by when the connection has ended.
     */
    private static final Duration DRAIN_LIMIT = LingeringClose.DEFAULT_LINGER.plusSeconds(1);
    /** Session attribute: the caller socket's event loop, where the bridge socket is opened. */
    private static final String CALLER_LOOP = MediaStreamHandler.class.getName() + ".callerLoop";

    private final MediaTokens tokens;
    private final MediaTokenUses uses;
    private final BridgeRelay relay;
    private final Duration startTimeout;
    private final CallLogLines lines;
    private final StreamLimits limits;
    private final int maxFrameBytes;
    /** The close for a frame over {@link #maxFrameBytes}, before start and after. */
    private final CloseStatus tooLarge;
    private final AtomicInteger active = new AtomicInteger();

    /**
     * {@code maxFrameBytes}: the largest text frame a stream may send. The WebSocket codec's own limit must be above
     * it (see {@link #codecFrameLimit}): a frame the codec refuses ends the connection at once, and the kernel's reset
     * for the bytes still arriving can overtake the close frame, so the client would not learn why.
     */
    public MediaStreamHandler(MediaTokens tokens, MediaTokenUses uses, BridgeRelay relay, Duration startTimeout,
                              CallLogLines lines, StreamLimits limits, int maxFrameBytes) {
        this.tokens = tokens;
        this.uses = uses;
        this.relay = relay;
        this.startTimeout = startTimeout;
        this.lines = lines;
        this.limits = limits;
        this.maxFrameBytes = maxFrameBytes;
        this.tooLarge = CloseStatus.TOO_BIG_TO_PROCESS.withReason("frame larger than " + maxFrameBytes + " bytes");
    }

    /**
     * The WebSocket codec's frame limit for streams whose frames this handler limits to {@code maxFrameBytes}:
     * sixteen times as much, at least 1 MiB. Frames in between reach the handler, which closes with 1009 and reads
     * what the client still sends; beyond it the codec closes (1009) without waiting.
     */
    public static int codecFrameLimit(int maxFrameBytes) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(16L * maxFrameBytes, 1 << 20));
    }

    /**
     * One received frame: a text frame's UTF-8 bytes, a binary frame (Twilio sends only text), a text frame over the
     * size limit (never copied), or the start deadline passing. The relay sends a text frame's bytes on as they came:
     * only the frames before the relay ({@code connected}, {@code start}) are ever decoded, where decoding every frame
     * to a string and encoding it again took two copies of it and most of what the gateway allocated.
     */
    record Frame(byte[] utf8, Kind kind) {
        enum Kind { TEXT, BINARY, OVERSIZED, DEADLINE }

        static final Frame BINARY = new Frame(null, Kind.BINARY);
        static final Frame OVERSIZED = new Frame(null, Kind.OVERSIZED);
        static final Frame DEADLINE = new Frame(null, Kind.DEADLINE);

        static Frame of(WebSocketMessage message, int maxBytes) {
            if (message.getType() != WebSocketMessage.Type.TEXT) {
                return BINARY;
            }
            DataBuffer payload = message.getPayload();
            if (payload.readableByteCount() > maxBytes) {
                return OVERSIZED;
            }
            byte[] bytes = new byte[payload.readableByteCount()];
            payload.read(bytes);
            // Twilio's frames are ASCII JSON; anything else is passed on as valid UTF-8 (malformed sequences replaced,
            // as decoding to a string did), so that the bridge never gets a text frame that breaks RFC 6455
            return new Frame(ascii(bytes) ? bytes : new String(bytes, StandardCharsets.UTF_8)
                    .getBytes(StandardCharsets.UTF_8), Kind.TEXT);
        }

        String text() {
            return new String(utf8, StandardCharsets.UTF_8);
        }

        private static boolean ascii(byte[] bytes) {
            for (byte b : bytes) {
                if (b < 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Media streams open on this instance, from the WebSocket upgrade until the stream ends. */
    public int activeStreams() {
        return active.get();
    }

    @Override
    public Mono<Void> handle(WebSocketSession session) {
        // the handler starts on the caller socket's event loop: the bridge socket will be opened there too
        EventLoops.current().ifPresent(loop -> session.getAttributes().put(CALLER_LOOP, loop));
        // The stream runs without the upgrade request's Reactor context. With automatic context propagation, Reactor
        // Netty's receive and every operator that crosses a context boundary would otherwise open and close that
        // request's observation scope (and its OpenTelemetry span scope) around each frame, in both directions — a
        // sixth of the gateway's CPU a call. Log lines of an accepted stream carry the call through CallLogContext; the bridge
        // connection continues the call's trace through the traceparent header (BridgeRelay#headers).
        return Mono.defer(() -> {
            active.incrementAndGet();
            return stream(session);
        }).doFinally(signal -> active.decrementAndGet()).contextWrite(context -> Context.empty());
    }

    private Mono<Void> stream(WebSocketSession session) {
        // The start deadline is a marker merged into the frames rather than a timeout operator: a timeout
        // cancels the inbound, and Reactor Netty answers that cancel with a close frame of its own, ahead of our
        // 1008. After start, a late marker is dropped by the relay.
        Flux<Frame> frames = session.receive()
                .map(message -> Frame.of(message, maxFrameBytes))
                .mergeWith(Mono.delay(startTimeout).map(tick -> Frame.DEADLINE));
        return frames.switchOnFirst((first, all) -> first.hasValue()
                        ? afterFirst(session, first.get(), all.skip(1))
                        : noStart(session, first))
                .then();
    }

    private Mono<Void> afterFirst(WebSocketSession session, Frame first, Flux<Frame> rest) {
        if (first.kind() != Frame.Kind.TEXT) {
            return notText(session, first, rest);
        }
        TwilioStreamMessage message = TwilioStreamCodec.decode(first.text());
        if (message instanceof TwilioStreamMessage.Connected) {
            return rest.switchOnFirst((second, after) -> second.hasValue()
                            ? onStart(session, first.utf8(), second.get(), after.skip(1))
                            : noStart(session, second))
                    .then();
        }
        if (message instanceof TwilioStreamMessage.Start start) {
            return started(session, null, first, start, rest);
        }
        if (message instanceof TwilioStreamMessage.Other other) {
            return refuse(session, CloseStatus.POLICY_VIOLATION.withReason("expected start before " + other.event()),
                    rest);
        }
        return refuse(session, CloseStatus.NOT_ACCEPTABLE.withReason(((TwilioStreamMessage.Malformed) message).reason()),
                rest);
    }

    private Mono<Void> onStart(WebSocketSession session, byte[] connected, Frame frame, Flux<Frame> rest) {
        if (frame.kind() != Frame.Kind.TEXT) {
            return notText(session, frame, rest);
        }
        if (!(TwilioStreamCodec.decode(frame.text()) instanceof TwilioStreamMessage.Start start)) {
            return refuse(session, CloseStatus.POLICY_VIOLATION.withReason("expected start"), rest);
        }
        return started(session, connected, frame, start, rest);
    }

    /** A {@code start} frame, decoded once: its token decides whether the stream is relayed. */
    private Mono<Void> started(WebSocketSession session, byte[] connected, Frame frame, TwilioStreamMessage.Start start,
                               Flux<Frame> rest) {
        MediaTokenClaims claims;
        try {
            claims = tokens.consume(start.token(), start.callSid());
        } catch (MediaTokenException e) {
            log.warn("media stream for call {} refused: {}", start.callSid(), e.getMessage());
            return refuse(session, CloseStatus.POLICY_VIOLATION.withReason(e.getMessage()), rest);
        }
        return uses.claim(claims)
                .flatMap(first -> first ? admitted(session, connected, frame, start, claims, rest)
                        : refuseReused(session, start.callSid(), rest));
    }

    private Mono<Void> refuseReused(WebSocketSession session, String callSid, Flux<Frame> rest) {
        log.warn("media stream for call {} refused: media token was already used", callSid);
        return refuse(session, CloseStatus.POLICY_VIOLATION.withReason("media token was already used"), rest);
    }

    private Mono<Void> admitted(WebSocketSession session, byte[] connected, Frame frame,
                                TwilioStreamMessage.Start start, MediaTokenClaims claims, Flux<Frame> rest) {
        if (!limits.tryOpen(claims.tenantId())) {
            log.warn("media stream for call {} refused: tenant {} is at its concurrent stream limit", claims.callSid(),
                    claims.tenantId());
            return refuse(session, CloseStatus.SERVICE_OVERLOAD.withReason("too many concurrent streams"), rest);
        }
        return accepted(session, connected, frame, start, claims, rest)
                .doFinally(signal -> limits.closed(claims.tenantId()));
    }

    private Mono<Void> accepted(WebSocketSession session, byte[] connected, Frame frame,
                                TwilioStreamMessage.Start start, MediaTokenClaims claims, Flux<Frame> rest) {
        log.info("media stream {} for call {} accepted", start.streamSid(), claims.callSid());
        lines.info(claims.tenantId(), claims.callSid(), "media stream " + start.streamSid() + " connected",
                claims.traceparent());
        List<byte[]> preamble = connected == null ? List.of(frame.utf8()) : List.of(connected, frame.utf8());
        StreamGuard guard = new StreamGuard(limits.frameRate(), tooLarge);
        // The close for a broken limit runs beside the relay, not inside its inbound: when the bridge side ends,
        // the relay cancels its inbound, and Reactor Netty releases a close frame whose send is cancelled before
        // it is written — the client would see the connection drop instead of 1008 or 1009.
        Mono<Void> relayed = relay.relay(session, claims, preamble, guard.within(rest),
                        Optional.ofNullable((EventExecutor) session.getAttributes().get(CALLER_LOOP)))
                .doFinally(signal -> guard.ended());
        return Mono.when(relayed, guard.closeWhenBroken(session))
                .transform(CallLogContext.forCall(claims.tenantId(), claims.callSid()))
                .doFinally(signal -> lines.info(claims.tenantId(), claims.callSid(),
                        "media stream " + start.streamSid() + " closed", claims.traceparent()));
    }

    /**
     * A stream's limits, its frame rate and its frame size: the text frames to relay while the stream keeps to them.
     * Past either, nothing more is relayed and the stream is closed (1008 for the rate, 1009 for a frame too large),
     * as a refusal is; what still arrives is read and dropped.
     */
    private static final class StreamGuard {
        private final StreamLimits.FrameRate rate;
        private final CloseStatus tooLarge;
        private final AtomicBoolean broken = new AtomicBoolean();
        /** The close for the limit broken first, or empty when the stream ends first: the first emission wins. */
        private final Sinks.One<Optional<CloseStatus>> verdict = Sinks.one();

        StreamGuard(StreamLimits.FrameRate rate, CloseStatus tooLarge) {
            this.rate = rate;
            this.tooLarge = tooLarge;
        }

        Flux<byte[]> within(Flux<Frame> frames) {
            return frames.filter(frame -> frame.kind() == Frame.Kind.TEXT || frame.kind() == Frame.Kind.OVERSIZED)
                    .filter(this::allowed)
                    .map(Frame::utf8)
                    .doFinally(signal -> ended());
        }

        Mono<Void> closeWhenBroken(WebSocketSession session) {
            return verdict.asMono()
                    .flatMap(Mono::justOrEmpty)
                    .flatMap(status -> BridgeRelay.closeIfOpen(session, status));
        }

        void ended() {
            verdict.tryEmitValue(Optional.empty());
        }

        private boolean allowed(Frame frame) {
            if (broken.get()) {
                return false;
            }
            if (frame.kind() == Frame.Kind.OVERSIZED) {
                return breaks(tooLarge, "a frame over the size limit");
            }
            return rate.allow() || breaks(CloseStatus.POLICY_VIOLATION.withReason("frame rate exceeded"),
                    "more frames a second than allowed");
        }

        /** Marks the stream as over a limit (the frame at hand is dropped); always false. */
        private boolean breaks(CloseStatus status, String why) {
            broken.set(true);
            log.warn("media stream closed: {}", why);
            verdict.tryEmitValue(Optional.of(status));
            return false;
        }
    }

    private Mono<Void> notText(WebSocketSession session, Frame frame, Flux<Frame> rest) {
        return switch (frame.kind()) {
            case DEADLINE -> refuse(session, CloseStatus.POLICY_VIOLATION.withReason("no start message in time"), rest);
            case OVERSIZED -> refuse(session, tooLarge, rest);
            default -> refuse(session, CloseStatus.NOT_ACCEPTABLE.withReason("binary frames are not supported"), rest);
        };
    }

    /**
     * Closes with {@code status} at once and reads on, dropping what the client still sends, until its connection
     * ends. The server's lingering close keeps TCP open until the client's close frame, so that no reset for frames
     * in flight overtakes ours. The inbound is cancelled only once the connection must have ended: Reactor Netty
     * answers a cancelled receive with a close frame of its own, which must not go out ahead of ours.
     */
    private static Mono<Void> refuse(WebSocketSession session, CloseStatus status, Flux<Frame> rest) {
        Mono<Void> drain = rest.take(DRAIN_LIMIT)
                .onErrorResume(e -> Mono.empty())
                .then();
        return Mono.when(BridgeRelay.closeIfOpen(session, status), drain);
    }

    private static Mono<Void> noStart(WebSocketSession session, Signal<? extends Frame> signal) {
        if (signal.isOnError()) {
            log.warn("media stream failed before start: {}", signal.getThrowable().toString());
            return BridgeRelay.closeIfOpen(session, CloseStatus.SERVER_ERROR);
        }
        return Mono.empty();
    }
}
