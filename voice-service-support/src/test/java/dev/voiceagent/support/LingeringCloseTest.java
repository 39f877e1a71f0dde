package dev.voiceagent.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Closes go through the pipeline, as a transport's do: {@code EmbeddedChannel.close()} would drop scheduled tasks. */
class LingeringCloseTest {

    private static final Duration LINGER = Duration.ofSeconds(2);

    private final LingeringClose handler = new LingeringClose(LINGER);
    private final EmbeddedChannel channel = new EmbeddedChannel(handler);

    @Test
    void aCloseAfterOurCloseFrameWaitsForThePeersCloseFrameDroppingWhatComesBefore() {
        channel.freezeTime();
        channel.writeAndFlush(new CloseWebSocketFrame(4001, "bridge done"));
        ChannelFuture close = channel.pipeline().close();

        assertThat(close.isDone()).isFalse();
        assertThat(channel.isOpen()).isTrue();
        assertThat(handler.lingering()).isTrue();

        TextWebSocketFrame late = new TextWebSocketFrame("{\"event\":\"media\"}");
        channel.writeInbound(late);
        assertThat(late.refCnt()).as("a frame that arrives while lingering is released").isZero();
        assertThat((Object) channel.readInbound()).as("and goes no further").isNull();

        channel.writeInbound(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE));
        assertThat(close.isSuccess()).isTrue();
        assertThat(channel.isOpen()).isFalse();
        assertThat((Object) channel.readInbound()).isNull();
        CloseWebSocketFrame sent = channel.readOutbound();
        assertThat(sent.statusCode()).isEqualTo(4001);
        sent.release();
    }

    @Test
    void aPeerThatNeverAnswersIsClosedAfterTheLinger() {
        channel.freezeTime();
        channel.writeAndFlush(new CloseWebSocketFrame(1013, "at capacity"));
        ChannelFuture close = channel.pipeline().close();

        channel.advanceTimeBy(LINGER.toMillis() - 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();

        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(close.isSuccess()).isTrue();
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void laterClosesCompleteWithTheHeldOne() {
        channel.writeAndFlush(new CloseWebSocketFrame(1000, null));
        ChannelFuture first = channel.pipeline().close();
        ChannelFuture second = channel.pipeline().close();
        assertThat(second.isDone()).isFalse();

        channel.writeInbound(new CloseWebSocketFrame(1000, null));
        assertThat(first.isSuccess()).isTrue();
        assertThat(second.isSuccess()).isTrue();
        channel.finishAndReleaseAll();
    }

    @Test
    void aConnectionThatSentNoCloseFrameClosesAtOnce() {
        channel.writeInbound(new TextWebSocketFrame("passes"));
        TextWebSocketFrame passed = channel.readInbound();
        assertThat(passed.text()).isEqualTo("passes");
        passed.release();

        assertThat(channel.pipeline().close().isSuccess()).isTrue();
        assertThat(handler.lingering()).isFalse();
    }

    @Test
    void whenThePeerClosedFirstOurEchoClosesAtOnce() {
        CloseWebSocketFrame theirs = new CloseWebSocketFrame(4000, "caller hung up");
        channel.writeInbound(theirs);
        CloseWebSocketFrame passed = channel.readInbound();
        assertThat(passed.statusCode()).as("the peer's close frame reaches the application").isEqualTo(4000);
        passed.release();

        channel.writeAndFlush(new CloseWebSocketFrame(4000, "caller hung up"));
        assertThat(channel.pipeline().close().isSuccess()).isTrue();
        assertThat(handler.lingering()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void aPeerThatDropsTheConnectionEndsTheLinger() {
        channel.writeAndFlush(new CloseWebSocketFrame(1000, null));
        ChannelFuture close = channel.pipeline().close();
        assertThat(close.isDone()).isFalse();

        // the peer's end of stream: the transport closes the channel itself
        channel.pipeline().fireChannelInactive();
        assertThat(close.isSuccess()).isTrue();
        channel.finishAndReleaseAll();
    }
}
