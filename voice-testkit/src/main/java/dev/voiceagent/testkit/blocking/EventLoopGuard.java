package dev.voiceagent.testkit.blocking;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingMethod;
import reactor.blockhound.BlockingOperationError;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Fails a test when anything blocked a non-blocking thread while it ran: a Netty event loop (the HTTP and
 * WebSocket servers and clients, R2DBC's connections) or a Reactor {@code parallel}/{@code single} worker.
 * BlockHound is installed once per JVM with the service-loaded integrations (Reactor, Netty, logging and standard
 * output are allowed); each blocking call is recorded with its thread and stack before BlockHound's error is
 * thrown, because a pipeline may swallow that error in an {@code onErrorResume} and the test would never see it.
 * A wait for a lock is recorded and not thrown ({@code Recording#waitingForALock}): the error would break the lock.
 *
 * <p>Registered for every test of every module that has the testkit on its test class path, by JUnit's extension
 * auto-detection (this class is listed in {@code META-INF/services/org.junit.jupiter.api.extension.Extension}; the
 * root POM enables auto-detection and runs tests with {@code -XX:+AllowRedefinitionToAddDeleteMethods}, which
 * BlockHound needs on Java 13 and later). Benchmarks ({@code -Dbench=true}) run without it.
 */
public final class EventLoopGuard implements BeforeAllCallback, AfterEachCallback {

    /** Blocking calls seen since the last check. */
    private static final Queue<Violation> VIOLATIONS = new ConcurrentLinkedQueue<>();
    private static volatile boolean installed;

    /** One blocking call on a non-blocking thread. */
    public record Violation(String thread, String method, List<StackTraceElement> stack) {

        String describe() {
            return method + " on " + thread + stack.stream().limit(25).map(frame -> "\n        at " + frame)
                    .collect(Collectors.joining());
        }
    }

    /** Installs BlockHound with the recording callback; later calls do nothing. */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        BlockHound.install(new Recording());
        installed = true;
    }

    /** Whether the guard is active in this JVM. */
    public static boolean installed() {
        return installed;
    }

    /** The blocking calls recorded since the last call, which clears them. */
    public static List<Violation> drain() {
        List<Violation> seen = new ArrayList<>();
        for (Violation violation; (violation = VIOLATIONS.poll()) != null; ) {
            seen.add(violation);
        }
        return seen;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // a benchmark run (-Dbench=true) measures; BlockHound's checks would sit in the measured path
        if (!Boolean.getBoolean("bench")) {
            install();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<Violation> seen = drain();
        if (!seen.isEmpty()) {
            throw new AssertionError(seen.size() + " blocking call(s) on a non-blocking thread during "
                    + context.getDisplayName() + ":\n    " + seen.stream().map(Violation::describe)
                    .collect(Collectors.joining("\n    ")));
        }
    }

    /**
     * The platform's allowances and the recording callback. Allowed: blocking that is bounded and local by design,
     * inside libraries, where the library itself documents or guarantees it (listed with the reason).
     */
    static final class Recording implements BlockHoundIntegration {

        @Override
        public void applyTo(BlockHound.Builder builder) {
            // SecureRandom's default on Linux (NativePRNG: UUID.randomUUID, token ids) refills a small buffer from
            // /dev/urandom, which never waits for entropy once the system has booted
            builder.allowBlockingCallsInside("sun.security.provider.NativePRNG$RandomIO", "implNextBytes");
            // Netty's adaptive allocator takes a magazine's lock when it grows its magazines (rare, short, and
            // Netty's own design for its event loops)
            builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup",
                    "tryExpandMagazines");
            // Resilience4j's circuit breakers record each result in their sliding window under a lock held for an
            // in-memory update: two results at the same instant make one wait microseconds (seen as a park on an
            // event loop when three synthetic calls ended together)
            builder.allowBlockingCallsInside("io.github.resilience4j.core.metrics.FixedSizeSlidingWindowMetrics",
                    "record");
            builder.allowBlockingCallsInside("io.github.resilience4j.core.metrics.SlidingTimeWindowMetrics",
                    "record");
            // The same breakers also hand every event to a bounded ring buffer (the Spring Boot starter registers one
            // per breaker for the actuator's events endpoint; it cannot be turned off: a size of 0 is refused) whose
            // offer holds a lock for one slot's update
            builder.allowBlockingCallsInside("io.github.resilience4j.circularbuffer.ConcurrentEvictingQueue", "offer");
            // Jackson builds a type's deserializer once, under a lock, the first time the type is read
            builder.allowBlockingCallsInside("tools.jackson.databind.deser.DeserializerCache",
                    "_createAndCacheValueDeserializer");
            // Cancelling a periodic task (Flux.interval) removes it from its executor's queue under the queue's lock,
            // a short park when another thread holds it: Reactor's own integration allows the same for its one-shot
            // tasks (SchedulerTask, WorkerTask) but not for their periodic siblings
            builder.allowBlockingCallsInside("reactor.core.scheduler.PeriodicWorkerTask", "dispose");
            builder.allowBlockingCallsInside("reactor.core.scheduler.PeriodicSchedulerTask", "dispose");
            // A hand-off's consumer thread (marked non-blocking when what it runs must not block) parks there while it
            // has no work, as Reactor's own single threads wait in their queue's take
            builder.allowBlockingCallsInside("dev.voiceagent.support.ConsumerThread", "awaitWork");
            builder.blockingMethodCallback(method -> {
                StackTraceElement[] stack = new Throwable().getStackTrace();
                if (Arrays.stream(stack).anyMatch(frame -> "<clinit>".equals(frame.getMethodName()))) {
                    // a class's static initialisation runs once per JVM, on whichever thread first needs the class
                    // (Netty loads its native epoll transport and zstd codec from their jars that way): a start-up
                    // cost, not an event loop waiting on I/O in operation
                    return;
                }
                VIOLATIONS.add(violation(method, stack));
                if (!waitingForALock(stack)) {
                    throw new BlockingOperationError(method);
                }
            });
        }

        /**
         * True when the blocking call is a park inside a lock's or condition's wait. It is recorded, so the test
         * still fails, but not thrown: an error thrown out of that park leaves the thread's node in the lock's wait
         * queue (the JDK cleans up only around the acquire attempt itself), and every later waiter on the lock
         * parks behind it forever. Once that lock was the queue of Reactor's parallel scheduler, and every timer of
         * the test JVM stopped, failing the tests that came after the one at fault.
         */
        static boolean waitingForALock(StackTraceElement[] stack) {
            return Arrays.stream(stack).anyMatch(frame ->
                    frame.getClassName().startsWith("java.util.concurrent.locks.AbstractQueued"));
        }

        private static Violation violation(BlockingMethod method, StackTraceElement[] stack) {
            // drop the frames of this callback and of BlockHound's own advice
            List<StackTraceElement> frames = Arrays.stream(stack)
                    .dropWhile(frame -> frame.getClassName().startsWith(EventLoopGuard.class.getName())
                            || frame.getClassName().startsWith("reactor.blockhound"))
                    .toList();
            return new Violation(Thread.currentThread().getName(), method.toString(), frames);
        }
    }
}
