package dev.voiceagent.bridge.records;

import dev.voiceagent.support.BackgroundLoop;
import dev.voiceagent.support.DatabaseDeadlines;
import dev.voiceagent.support.HandOff;
import dev.voiceagent.bridge.session.SessionRecorder;
import dev.voiceagent.bridge.session.VoiceSessionRecord;
import dev.voiceagent.bridge.support.BridgeMetrics;
import dev.voiceagent.support.InfrastructureFailures;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Session records off the audio path: sessions {@link #offer} into a bounded queue (never waiting; a full queue
 * drops the record and counts it), and one drain writes them to the database in order, each write with a timeout.
 * The drain runs while the application runs, and on stop goes on for up to a grace: until what is queued is written
 * and no session is left to end (a record that comes meanwhile is written too), then it refuses further records.
 */
public class VoiceSessionStore extends BackgroundLoop implements SessionRecorder {

    private static final Logger log = LoggerFactory.getLogger(VoiceSessionStore.class);

    private static final Duration OUTAGE_DEADLINE = Duration.ofMinutes(5);
    private static final Duration DRAIN_POLL = Duration.ofMillis(20);
    static final String WRITER_THREAD = "voice-session-records";

    private final VoiceSessionRepository repository;
    private final BridgeMetrics metrics;
    private final Duration writeTimeout;
    private final Duration shutdownGrace;
    private final IntSupplier liveSessions;
    private final HandOff<VoiceSessionRecord> queue;
    /** Records queued since the start; with {@link #settled}, what is queued or being written. */
    private final AtomicLong accepted = new AtomicLong();
    /** Records whose write has finished: stored, or given up on (logged). */
    private final AtomicLong settled = new AtomicLong();
    /** Offers under way, so that the stop's tally waits for an offer that saw the store still accepting. */
    private final AtomicInteger offering = new AtomicInteger();
    private volatile boolean accepting;
    private Disposable draining;

    /** A store that has no sessions to wait for when it stops (tests, tools). */
    public VoiceSessionStore(VoiceSessionRepository repository, BridgeMetrics metrics, int capacity,
                             Duration writeTimeout) {
        this(repository, metrics, capacity, writeTimeout, Duration.ofSeconds(5), () -> 0);
    }

    /**
     * @param shutdownGrace how long a stop goes on writing records
     * @param liveSessions  the sessions still live, whose final records a stop waits for
     */
    public VoiceSessionStore(VoiceSessionRepository repository, BridgeMetrics metrics, int capacity,
                             Duration writeTimeout, Duration shutdownGrace, IntSupplier liveSessions) {
        this.repository = repository;
        this.metrics = metrics;
        this.writeTimeout = writeTimeout;
        this.shutdownGrace = shutdownGrace;
        this.liveSessions = liveSessions;
        this.queue = new HandOff<>(capacity);
    }

    /**
     * Never waits, not even for another session's offer on another event loop (it used to spin for it), nor for the
     * store's lock while it stops.
     */
    @Override
    public void offer(VoiceSessionRecord record) {
        boolean open;
        offering.incrementAndGet();
        try {
            open = accepting;
            if (open && queue.offer(record)) {
                accepted.incrementAndGet();
                return;
            }
        } finally {
            offering.decrementAndGet();
        }
        metrics.recordDropped();
        log.warn("call {}: session record dropped ({})", record.callSid(), open ? "queue full" : "store stopped");
    }

    @Override
    public synchronized void start() {
        if (!isRunning()) {
            accepted.set(0);
            settled.set(0);
            super.start();
            accepting = true;
        }
    }

    /**
     * How Spring stops it, after the web server (see {@link #getPhase()}): the drain goes on for up to the shutdown
     * grace, then {@code callback} tells the context, which waits up to {@code timeout-per-shutdown-phase}.
     */
    @Override
    public synchronized void stop(Runnable callback) {
        if (!isRunning() || draining != null) {
            callback.run();
            return;
        }
        draining = drain().doFinally(signal -> callback.run()).subscribe();
    }

    /** Drains as {@link #stop(Runnable)} does and returns once stopped. */
    @Override
    public void stop() {
        // Lifecycle's contract is "stopped on return"; this runs on its caller's thread (a test, a tool), never on an
        // event loop: Spring's shutdown calls stop(Runnable)
        drain().block();
    }

    /**
     * Writes on until nothing is queued or being written and no session is left to end, then refuses further
     * records and writes what slipped in before that; at the grace, stops whatever is left and counts it. Polls on
     * bounded-elastic threads, where the stop may wait for the lifecycle's lock.
     */
    private Mono<Void> drain() {
        return Flux.interval(Duration.ZERO, DRAIN_POLL, Schedulers.boundedElastic())
                .takeUntil(tick -> drained())
                .then()
                .timeout(shutdownGrace, Mono.empty(), Schedulers.boundedElastic())
                .then(Mono.fromRunnable(this::close));
    }

    /** One look at the drain; closes the store to new records once they can no longer come from a session. */
    private boolean drained() {
        if (accepting && settled.get() == accepted.get() && liveSessions.getAsInt() == 0) {
            accepting = false;
        }
        return !accepting && offering.get() == 0 && settled.get() == accepted.get();
    }

    private synchronized void close() {
        accepting = false;
        // an offer that saw the store accepting is about to count itself; offers never wait, so this is short
        while (offering.get() != 0) {
            Thread.onSpinWait();
        }
        super.stop();
        draining = null;
        long unwritten = accepted.get() - settled.get();
        int live = liveSessions.getAsInt();
        for (long i = 0; i < unwritten; i++) {
            metrics.recordDropped();
        }
        if (unwritten > 0 || live > 0) {
            // a session that ends from now on has its final record refused, counted and logged by offer
            log.warn("session records: the shutdown grace of {} ms ran out with {} records not stored and {} sessions "
                    + "still live", shutdownGrace.toMillis(), unwritten, live);
        }
    }

    /**
     * Writes one record; while the database is unreachable the write is retried (later records wait in the queue,
     * in order) for up to {@link #OUTAGE_DEADLINE}, so an outage delays records instead of losing them.
     */
    private Mono<Void> write(VoiceSessionRecord record) {
        return Mono.defer(() -> DatabaseDeadlines.within(repository.upsert(record), writeTimeout))
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(500)).maxBackoff(Duration.ofSeconds(5))
                        .filter(InfrastructureFailures::isOutage)
                        .doBeforeRetry(signal -> {
                            if (signal.totalRetries() == 0) {
                                log.warn("call {}: storing the session record failed, retrying: {}", record.callSid(),
                                        signal.failure().toString());
                            }
                        }))
                .timeout(OUTAGE_DEADLINE)
                .onErrorResume(e -> {
                    log.warn("call {}: could not store the session record: {}", record.callSid(), e.toString());
                    return Mono.empty();
                })
                .doOnSuccess(done -> settled.incrementAndGet());
    }

    /**
     * On a thread of its own: without it, an offer that finds the drain idle would build and send the write on the
     * offering session's event loop, in the middle of its audio ({@link HandOff#items(String, boolean)}).
     */
    @Override
    protected Flux<?> loop() {
        // no prefetch: a record counts against the queue's capacity until its write begins
        return queue.items(WRITER_THREAD, true).concatMap(this::write, 0);
    }
}
