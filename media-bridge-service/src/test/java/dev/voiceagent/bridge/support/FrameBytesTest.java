package dev.voiceagent.bridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;

class FrameBytesTest {

    private static final FrameBytes.Reader<String> TEXT = (frame, length) -> new String(frame, 0, length,
            StandardCharsets.UTF_8);

    @Test
    void lendsTheThreadsArrayForFramesUpToItsSizeAndOnlyTheFramesBytesCount() {
        ByteBuf first = direct("{\"event\":\"media\",\"payload\":\"fv7+/g==\"}");
        ByteBuf second = direct("{\"event\":\"mark\"}");
        try {
            byte[][] lent = new byte[2][];
            String one = FrameBytes.read(first, (frame, length) -> {
                lent[0] = frame;
                return TEXT.read(frame, length);
            });
            String two = FrameBytes.read(second, (frame, length) -> {
                lent[1] = frame;
                return TEXT.read(frame, length);
            });
            assertThat(one).isEqualTo("{\"event\":\"media\",\"payload\":\"fv7+/g==\"}");
            assertThat(two).isEqualTo("{\"event\":\"mark\"}");
            assertThat(lent[1]).isSameAs(lent[0]).hasSize(FrameBytes.REUSED_BYTES);
            // the buffer is read, not consumed: Reactor Netty releases it as it came
            assertThat(first.readerIndex()).isZero();
            assertThat(first.refCnt()).isEqualTo(1);
        } finally {
            first.release();
            second.release();
        }
    }

    @Test
    void givesALargerFrameAnArrayOfItsOwn() {
        char[] payload = new char[FrameBytes.REUSED_BYTES + 1];
        Arrays.fill(payload, 'A');
        ByteBuf large = direct(new String(payload));
        ByteBuf small = direct("{}");
        try {
            byte[][] lent = new byte[1][];
            int read = FrameBytes.read(large, (frame, length) -> {
                lent[0] = frame;
                return length;
            });
            assertThat(read).isEqualTo(FrameBytes.REUSED_BYTES + 1);
            assertThat(lent[0]).hasSize(FrameBytes.REUSED_BYTES + 1);
            int lentToSmall = FrameBytes.read(small, (frame, length) -> frame.length);
            assertThat(lentToSmall).isEqualTo(FrameBytes.REUSED_BYTES);
        } finally {
            large.release();
            small.release();
        }
    }

    @Test
    void readsASpringBufferWithoutMovingItsPosition() {
        DataBuffer buffer = new NettyDataBufferFactory(PooledByteBufAllocator.DEFAULT)
                .wrap(direct("{\"event\":\"stop\",\"note\":\"añadido\"}"));
        try {
            assertThat(FrameBytes.read(buffer, TEXT)).isEqualTo("{\"event\":\"stop\",\"note\":\"añadido\"}");
            assertThat(buffer.readPosition()).isZero();
            assertThat(FrameBytes.read(buffer, TEXT)).isEqualTo("{\"event\":\"stop\",\"note\":\"añadido\"}");
        } finally {
            org.springframework.core.io.buffer.DataBufferUtils.release(buffer);
        }
    }

    private static ByteBuf direct(String text) {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer();
        buf.writeCharSequence(text, StandardCharsets.UTF_8);
        return buf;
    }
}
