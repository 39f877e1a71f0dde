package dev.voiceagent.bridge.session;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Publishes this instance's live sessions to the shared table every {@code interval}, off the audio path: a tick
 * that finds the previous write still running is skipped, a failed write is logged and retried at the next tick.
 * Started and disposed with the application context.
 */
public final class LiveSessionsPublisher implements Disposable {

    private static final Logger log = LoggerFactory.getLogger(LiveSessionsPublisher.class);

    private final Disposable ticks;

    public LiveSessionsPublisher(SessionRegistry registry, LiveSessionsRepository repository, Duration interval,
                                 Scheduler timer) {
        this.ticks = Flux.interval(Duration.ZERO, interval, timer)
                .onBackpressureDrop()
                .concatMap(tick -> repository.publish(registry.all())
                        .timeout(interval.multipliedBy(2))
                        .onErrorResume(e -> {
                            log.warn("could not publish the live sessions: {}", e.toString());
                            return Mono.empty();
                        }), 0)
                .subscribe();
    }

    @Override
    public void dispose() {
        ticks.dispose();
    }

    @Override
    public boolean isDisposed() {
        return ticks.isDisposed();
    }
}
