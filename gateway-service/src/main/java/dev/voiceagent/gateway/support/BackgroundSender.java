package dev.voiceagent.gateway.support;

import dev.voiceagent.support.BackgroundLoop;
import dev.voiceagent.support.HandOff;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A bounded, tracked queue of side jobs that must never hold up a request (pre-warm calls, log-line publishes):
 * {@link #offer} never blocks and drops when the queue is full; one loop runs the jobs with bounded concurrency
 * and is disposed when the application stops. Each job must bring its own timeout and swallow its own errors.
 * <p>
 * Jobs start on the sender's own thread ({@code <name>-sender}), not on the thread that offered them: an offer comes
 * from an event loop in the middle of a request, and starting a job there (encoding it, opening its request or its
 * broker send) would make the request wait for it. Once started, a job's I/O runs on its client's threads.
 * <p>
 * As a bean it reports {@code voice_gateway_background_jobs_waiting} and
 * {@code voice_gateway_background_jobs_dropped_total}, tagged with its queue ({@code session-pre-warm},
 * {@code log-line-publisher}).
 */
public class BackgroundSender<T> extends BackgroundLoop implements MeterBinder {

    private static final Logger log = LoggerFactory.getLogger(BackgroundSender.class);

    private final String name;
    /** The name as a metric tag and thread-name prefix: {@code session-pre-warm}, {@code log-line-publisher}. */
    private final String slug;
    private final HandOff<T> queue;
    private final Function<T, Mono<Void>> job;
    private final int concurrency;
    private final AtomicLong dropped = new AtomicLong();

    public BackgroundSender(String name, int capacity, int concurrency, Function<T, Mono<Void>> job) {
        this.name = name;
        this.slug = name.replace(' ', '-');
        this.queue = new HandOff<>(capacity);
        this.job = job;
        this.concurrency = concurrency;
    }

    /** Queues one job without waiting (not even for another thread's offer); false, and counted, when refused. */
    public boolean offer(T item) {
        if (queue.offer(item)) {
            return true;
        }
        long total = dropped.incrementAndGet();
        if (total == 1 || total % 1000 == 0) {
            log.warn("{} queue refused a job ({}); {} dropped so far", name,
                    isRunning() ? "full" : "not running", total);
        }
        return false;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("voice.gateway.background.jobs.waiting", this, sender -> sender.queue.waiting())
                .description("Side jobs queued and not yet started")
                .tag("queue", slug)
                .register(registry);
        FunctionCounter.builder("voice.gateway.background.jobs.dropped", this, sender -> sender.dropped.get())
                .description("Side jobs refused because the queue was full or not running")
                .tag("queue", slug)
                .register(registry);
    }

    /** Jobs refused so far because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    @Override
    protected Flux<?> loop() {
        // a plain thread, not an event loop's: a log line's broker send can wait for the topic's metadata
        return queue.items(slug + "-sender", false)
                .flatMap(item -> Mono.defer(() -> job.apply(item)).onErrorResume(this::failed), concurrency);
    }

    private Mono<Void> failed(Throwable e) {
        log.warn("{} job failed: {}", name, e.toString());
        return Mono.empty();
    }
}
