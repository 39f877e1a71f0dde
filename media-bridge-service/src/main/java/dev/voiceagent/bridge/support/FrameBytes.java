package dev.voiceagent.bridge.support;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import org.springframework.core.io.buffer.DataBuffer;

/**
 * Reads a received frame's bytes into an array that the thread reuses, so that decoding a media frame allocates only
 * what it decodes to. Reading each frame into a string of its own made a copy of every frame the bridge received,
 * fifty a second each way per call, only for the scanner to copy its values out of it again.
 * <p>
 * The array is lent for the reader's call only: the reader returns what it decoded, and keeps no reference to the
 * array (the codecs copy the values they read). Frames longer than {@link #REUSED_BYTES} get an array of their own,
 * so that one large event does not keep a large array on every event loop.
 */
public final class FrameBytes {

    /** The largest frame read into the thread's array; audio frames are well under 1 KB. */
    static final int REUSED_BYTES = 16 * 1024;

    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[REUSED_BYTES];
        }
    };

    private FrameBytes() {
    }

    /** Decodes a frame from the first {@code length} bytes of {@code frame}, keeping no reference to the array. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(byte[] frame, int length);
    }

    /** Hands the readable bytes of {@code buffer} to {@code reader}; the buffer's indexes do not move. */
    public static <T> T read(ByteBuf buffer, Reader<T> reader) {
        int length = buffer.readableBytes();
        byte[] bytes = array(length);
        buffer.getBytes(buffer.readerIndex(), bytes, 0, length);
        return reader.read(bytes, length);
    }

    /** Hands the readable bytes of {@code buffer} to {@code reader}; the buffer's positions do not move. */
    public static <T> T read(DataBuffer buffer, Reader<T> reader) {
        int length = buffer.readableByteCount();
        byte[] bytes = array(length);
        int position = buffer.readPosition();
        buffer.read(bytes, 0, length);
        buffer.readPosition(position);
        return reader.read(bytes, length);
    }

    private static byte[] array(int length) {
        return length <= REUSED_BYTES ? SCRATCH.get() : new byte[length];
    }
}
