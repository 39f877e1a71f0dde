package dev.voiceagent.testkit.netty;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Netty's leak detector at its paranoid level while a test runs, and what it reports. Every buffer allocated meanwhile
 * is tracked; one that is collected without its last release is a leak, which Netty reports (and this records) at the
 * next allocation after the collector found it. {@link #leaks()} provokes that: it collects and allocates until two
 * rounds report nothing new.
 */
public final class BufferLeaks implements AutoCloseable {

    private static final String DETECTOR_LOGGER = ResourceLeakDetector.class.getName();
    private static final int ROUNDS = 10;

    private final ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
    private final Logger logger = (Logger) LoggerFactory.getLogger(DETECTOR_LOGGER);
    private final ListAppender<ILoggingEvent> reported = new ListAppender<>();

    private BufferLeaks() {
        reported.start();
        logger.addAppender(reported);
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    /** Starts tracking every buffer allocated from now on. */
    public static BufferLeaks watch() {
        return new BufferLeaks();
    }

    /** The leaks reported so far, after giving the collector and the detector their rounds. */
    public List<String> leaks() throws InterruptedException {
        int quietRounds = 0;
        int seen = -1;
        for (int round = 0; round < ROUNDS && quietRounds < 2; round++) {
            System.gc();
            Thread.sleep(100);
            // the detector reports what the collector queued when it tracks a new buffer
            for (int i = 0; i < 8; i++) {
                ByteBuf probe = ByteBufAllocator.DEFAULT.directBuffer(16);
                probe.release();
            }
            int now = leakEvents().size();
            quietRounds = now == seen ? quietRounds + 1 : 0;
            seen = now;
        }
        return leakEvents();
    }

    private List<String> leakEvents() {
        List<ILoggingEvent> events;
        synchronized (reported) { // the appender appends under its own lock, from whichever thread allocates
            events = List.copyOf(reported.list);
        }
        return events.stream()
                .filter(event -> event.getLevel().isGreaterOrEqual(Level.ERROR))
                .map(ILoggingEvent::getFormattedMessage)
                .filter(message -> message.contains("LEAK"))
                .toList();
    }

    @Override
    public void close() {
        ResourceLeakDetector.setLevel(level);
        logger.detachAppender(reported);
        reported.stop();
    }
}
