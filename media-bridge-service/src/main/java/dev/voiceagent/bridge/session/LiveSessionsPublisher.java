package dev.voiceagent.bridge.session;

import dev.voiceagent.support.BackgroundLoop;
import dev.voiceagent.support.DatabaseDeadlines;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Publishes this instance's live sessions to the shared table every {@code interval}, off the audio path: a tick
 * that finds the previous write still running is skipped, a failed write is logged and retried at the next tick.
 * Each tick then marks the stored records of calls that no instance publishes any more as lost (a crashed
 * instance's calls), so that they stop being listed as active. Runs from the context's start (after the schema is
 * migrated) to its stop. A write slower than two intervals is no longer waited for, but not cancelled
 * ({@link DatabaseDeadlines}).
 */
public final class LiveSessionsPublisher extends BackgroundLoop {

    private static final Logger log = LoggerFactory.getLogger(LiveSessionsPublisher.class);

    private final SessionRegistry registry;
    private final LiveSessionsRepository repository;
    private final Duration interval;
    private final Scheduler timer;

    public LiveSessionsPublisher(SessionRegistry registry, LiveSessionsRepository repository, Duration interval,
                                 Scheduler timer) {
        this.registry = registry;
        this.repository = repository;
        this.interval = interval;
        this.timer = timer;
    }

    @Override
    protected Flux<?> loop() {
        return Flux.interval(Duration.ZERO, interval, timer)
                .onBackpressureDrop()
                .concatMap(tick -> publishOnce(), 0);
    }

    /** Publishes, then (only once that worked: one warning a tick while the database is away) marks lost records. */
    private Mono<Void> publishOnce() {
        return DatabaseDeadlines.within(repository.publish(registry.all()), interval.multipliedBy(2))
                .then(DatabaseDeadlines.within(repository.markLost(), interval.multipliedBy(2)))
                .doOnNext(LiveSessionsPublisher::logLost)
                .onErrorResume(e -> {
                    log.warn("could not publish the live sessions or mark the lost ones: {}", e.toString());
                    return Mono.empty();
                })
                .then();
    }

    private static void logLost(long lost) {
        if (lost > 0) {
            log.warn("{} voice session records marked lost: no instance has published their calls lately", lost);
        }
    }
}
