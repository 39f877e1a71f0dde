package dev.voiceagent.bridge.records;

import dev.voiceagent.support.BackgroundLoop;
import dev.voiceagent.support.DatabaseDeadlines;
import dev.voiceagent.support.HandOff;
import dev.voiceagent.bridge.session.SessionRecorder;
import dev.voiceagent.bridge.session.VoiceSessionRecord;
import dev.voiceagent.bridge.support.BridgeMetrics;
import dev.voiceagent.support.InfrastructureFailures;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Session records off the audio path: sessions {@link #offer} into a bounded queue (never waiting; a full queue
 * drops the record and counts it), and one drain writes them to the database in order, each write with a timeout.
 * The drain runs while the application runs.
 */
public class VoiceSessionStore extends BackgroundLoop implements SessionRecorder {

    private static final Logger log = LoggerFactory.getLogger(VoiceSessionStore.class);

    private static final Duration OUTAGE_DEADLINE = Duration.ofMinutes(5);
    static final String WRITER_THREAD = "voice-session-records";

    private final VoiceSessionRepository repository;
    private final BridgeMetrics metrics;
    private final Duration writeTimeout;
    private final HandOff<VoiceSessionRecord> queue;

    public VoiceSessionStore(VoiceSessionRepository repository, BridgeMetrics metrics, int capacity,
                             Duration writeTimeout) {
        this.repository = repository;
        this.metrics = metrics;
        this.writeTimeout = writeTimeout;
        this.queue = new HandOff<>(capacity);
    }

    /** Never waits, not even for another session's offer on another event loop (it used to spin for it). */
    @Override
    public void offer(VoiceSessionRecord record) {
        if (!queue.offer(record)) {
            metrics.recordDropped();
            log.warn("call {}: session record dropped ({})", record.callSid(), isRunning() ? "queue full" : "store stopped");
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
                });
    }

    /**
     * On a thread of its own: without it, an offer that finds the drain idle would build and send the write on the
     * offering session's event loop, in the middle of its audio ({@link HandOff#items(Scheduler)}).
     */
    @Override
    protected Flux<?> loop() {
        Scheduler writer = Schedulers.newSingle(WRITER_THREAD, true);
        // no prefetch: a record counts against the queue's capacity until its write begins
        return queue.items(writer).concatMap(this::write, 0).doFinally(signal -> writer.dispose());
    }
}
