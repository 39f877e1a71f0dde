package dev.voiceagent.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import dev.voiceagent.testkit.blocking.EventLoopGuard;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

class BackgroundSenderTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private double waiting() {
        return meters.get("voice.gateway.background.jobs.waiting").tag("queue", "test-queue").gauge().value();
    }

    private double dropped() {
        return meters.get("voice.gateway.background.jobs.dropped").tag("queue", "test-queue").functionCounter().count();
    }

    @Test
    void jobsStartOnTheSendersThreadAndTheQueueIsMeasured() {
        List<String> threads = new CopyOnWriteArrayList<>();
        Sinks.Empty<Void> gate = Sinks.empty();
        // one job at a time, each held until the gate opens
        BackgroundSender<Integer> sender = new BackgroundSender<>("test queue", 2, 1, item -> {
            threads.add(Thread.currentThread().getName());
            return gate.asMono();
        });
        sender.bindTo(meters);
        assertThat(sender.offer(0)).as("not running yet").isFalse();
        assertThat(dropped()).isEqualTo(1);
        sender.start();
        try {
            assertThat(sender.offer(1)).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> threads.size() == 1);
            assertThat(sender.offer(2)).isTrue();
            assertThat(sender.offer(3)).isTrue();
            assertThat(waiting()).as("two wait behind the one running").isEqualTo(2);
            assertThat(sender.offer(4)).as("full").isFalse();
            assertThat(dropped()).isEqualTo(2);
            gate.tryEmitEmpty();
            await().atMost(Duration.ofSeconds(5)).until(() -> threads.size() == 3);
            assertThat(threads).allMatch("test-queue-sender"::equals);
            assertThat(waiting()).isZero();
        } finally {
            sender.stop();
        }
    }

    /**
     * Offers come from event loops: an offer must not wait for the sender's thread, not even for the lock of a queue
     * the sender is taking from. A non-blocking thread offers one job at a time and offers the next as soon as the
     * job has run, just as the sender goes back to wait for work: the moment the two meet on a queue's lock. A lock
     * wait on the offering thread is a BlockHound violation.
     */
    @Test
    void anOfferFromAnEventLoopNeverWaitsForTheSendersThread() {
        assertThat(EventLoopGuard.installed()).as("BlockHound guards this test").isTrue();
        EventLoopGuard.drain();
        AtomicInteger done = new AtomicInteger();
        AtomicLong spins = new AtomicLong();
        BackgroundSender<Integer> sender = new BackgroundSender<>("test queue", 16, 1,
                item -> Mono.fromRunnable(done::incrementAndGet));
        sender.start();
        try {
            int jobs = 50_000;
            Integer offered = Mono.fromCallable(() -> {
                        int accepted = 0;
                        for (int i = 0; i < jobs; i++) {
                            if (sender.offer(i)) {
                                accepted++;
                            }
                            // a bare spin: BlockHound counts Thread.onSpinWait as blocking
                            while (done.get() < accepted) {
                                spins.incrementAndGet();
                            }
                        }
                        return accepted;
                    })
                    .subscribeOn(Schedulers.parallel())
                    .block(Duration.ofSeconds(60));
            assertThat(offered).isEqualTo(jobs);
            assertThat(EventLoopGuard.drain()).as("offers that waited for a lock").isEmpty();
        } finally {
            sender.stop();
        }
    }
}
