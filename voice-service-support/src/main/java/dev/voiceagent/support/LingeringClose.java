package dev.voiceagent.support;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import reactor.netty.NettyPipeline;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * Lets a WebSocket close frame we send reach a peer that is still sending. Reactor Netty closes the TCP connection
 * as soon as its close frame is written. A peer that keeps streaming (Twilio sends a frame every 20 ms) then has
 * frames in flight to a closed socket; the kernel answers them with a reset, and a reset makes the peer's kernel
 * drop what it had received and not yet read, our close frame among it. The peer sees a connection lost without a
 * code instead of the 1013, 4001 or 1000 we sent.
 *
 * <p>RFC 6455 §7.1.1 asks for the other order: after sending a close frame, read on until the peer's close frame,
 * then close TCP. This handler holds back the close of a connection that has sent a close frame and not yet
 * received one: it reads on, dropping whatever frames still come, and closes once the peer's close frame or end of
 * stream arrives, or after {@code linger} at the latest. Connections that sent no close frame (a failure, or plain
 * HTTP) and connections whose peer closed first are closed at once, as before.
 *
 * <p>It sits just before Reactor Netty's reactive bridge, behind the WebSocket codec, on every connection of a server
 * ({@link #onEveryConnection(HttpServer, Duration)}) or client ({@link #onEveryConnection(HttpClient, Duration)}).
 * Everything runs on the connection's event loop.
 */
public final class LingeringClose extends ChannelDuplexHandler {

    /** Long enough for a peer's close frame on any network a call runs on; short enough not to hold sockets. */
    public static final Duration DEFAULT_LINGER = Duration.ofSeconds(2);
    static final String NAME = "voice.lingeringClose";

    private final long lingerNanos;
    private boolean closeSent;
    private boolean closeReceived;
    /** The close held back while lingering; {@code null} before. */
    private ChannelPromise heldClose;
    private ScheduledFuture<?> deadline;

    LingeringClose(Duration linger) {
        this.lingerNanos = linger.toNanos();
    }

    /** Every connection {@code server} accepts lingers on its close. */
    public static HttpServer onEveryConnection(HttpServer server, Duration linger) {
        return server.doOnChannelInit((observer, channel, address) -> install(channel, linger));
    }

    /** Every connection {@code client} opens lingers on its close. */
    public static HttpClient onEveryConnection(HttpClient client, Duration linger) {
        return client.doOnChannelInit((observer, channel, address) -> install(channel, linger));
    }

    static void install(Channel channel, Duration linger) {
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(NAME) != null) {
            return;
        }
        // inbound frames must reach this handler before the reactive bridge consumes them
        if (pipeline.get(NettyPipeline.ReactiveBridge) != null) {
            pipeline.addBefore(NettyPipeline.ReactiveBridge, NAME, new LingeringClose(linger));
        } else {
            pipeline.addLast(NAME, new LingeringClose(linger));
        }
    }

    /** Whether this connection is between its close frame and the peer's. */
    boolean lingering() {
        return heldClose != null;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof CloseWebSocketFrame) {
            closeSent = true;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof CloseWebSocketFrame) {
            closeReceived = true;
        }
        if (heldClose == null) {
            ctx.fireChannelRead(msg);
            return;
        }
        // lingering: nobody reads these any more; the peer's close frame ends the wait
        ReferenceCountUtil.release(msg);
        if (closeReceived) {
            closeNow(ctx);
        } else if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (heldClose != null) {
            // a later close (Reactor Netty terminating the connection) completes with the held one
            ctx.channel().closeFuture().addListener((ChannelFutureListener) f -> promise.trySuccess());
            return;
        }
        if (!closeSent || closeReceived || !ctx.channel().isActive()) {
            ctx.close(promise);
            return;
        }
        heldClose = promise;
        deadline = ctx.executor().schedule(() -> closeNow(ctx), lingerNanos, TimeUnit.NANOSECONDS);
        // read on even where the application had stopped reading: unread bytes at close also make a reset
        ctx.channel().config().setAutoRead(true);
        ctx.read();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeNow(ctx);
        ctx.fireChannelInactive();
    }

    private void closeNow(ChannelHandlerContext ctx) {
        ChannelPromise held = heldClose;
        if (held == null || held.isDone()) {
            return;
        }
        if (deadline != null) {
            deadline.cancel(false);
        }
        ctx.close(held);
    }
}
