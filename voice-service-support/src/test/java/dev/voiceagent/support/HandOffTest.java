package dev.voiceagent.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

class HandOffTest {

    @Test
    void refusesWhileNobodyConsumesAndPastItsCapacity() {
        HandOff<Integer> handOff = new HandOff<>(2);
        assertThat(handOff.offer(0)).as("no consumer yet").isFalse();

        Sinks.Empty<Void> gate = Sinks.empty();
        List<Integer> seen = new CopyOnWriteArrayList<>();
        // the consumer takes one item and holds it until the gate opens; two more may wait, the next is refused
        Disposable consumer = handOff.items().concatMap(item -> gate.asMono().then(Mono.fromRunnable(() -> seen.add(item))), 0)
                .subscribe();
        try {
            assertThat(handOff.offer(1)).isTrue();
            assertThat(handOff.offer(2)).isTrue();
            assertThat(handOff.offer(3)).isTrue();
            assertThat(handOff.offer(4)).as("full").isFalse();
            gate.tryEmitEmpty();
            assertThat(seen).containsExactly(1, 2, 3);
            assertThat(handOff.waiting()).isZero();
            assertThat(handOff.offer(5)).isTrue();
            assertThat(seen).containsExactly(1, 2, 3, 5);
        } finally {
            consumer.dispose();
        }
        assertThat(handOff.offer(6)).as("the consumer is gone").isFalse();
    }

    @Test
    void manyProducersAtOnceLoseNothingAndNeverWaitForEachOther() throws InterruptedException {
        int producers = 8;
        int each = 20_000;
        HandOff<Integer> handOff = new HandOff<>(producers * each);
        AtomicInteger received = new AtomicInteger();
        AtomicInteger sum = new AtomicInteger();
        Disposable consumer = handOff.items().doOnNext(item -> {
            received.incrementAndGet();
            sum.addAndGet(item);
        }).subscribe();
        ExecutorService pool = Executors.newFixedThreadPool(producers);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger refused = new AtomicInteger();
        try {
            for (int p = 0; p < producers; p++) {
                pool.execute(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < each; i++) {
                        if (!handOff.offer(1)) {
                            refused.incrementAndGet();
                        }
                    }
                });
            }
            start.countDown();
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            consumer.dispose();
        }
        assertThat(refused.get()).isZero();
        assertThat(received.get()).isEqualTo(producers * each);
        assertThat(sum.get()).isEqualTo(producers * each);
    }

    @Test
    void aSlowConsumerGetsEveryItemInOrder() {
        HandOff<String> handOff = new HandOff<>(10);
        Mono<List<String>> five = handOff.items().limitRate(1).delayElements(Duration.ofMillis(1)).take(5)
                .collectList().cache();
        five.subscribe();
        for (int i = 0; i < 5; i++) {
            assertThat(handOff.offer("line " + i)).isTrue();
        }
        assertThat(five.block(Duration.ofSeconds(5))).containsExactly("line 0", "line 1", "line 2", "line 3", "line 4");
    }

    @Test
    void onAThreadOfItsOwnTheConsumerNeverRunsOnTheOfferingThread() throws InterruptedException {
        HandOff<Integer> handOff = new HandOff<>(3);
        List<String> threads = new CopyOnWriteArrayList<>();
        Sinks.Empty<Void> gate = Sinks.empty();
        CountDownLatch all = new CountDownLatch(4);
        // the consumer holds its first item until the gate opens: the rest wait and count against the capacity
        Disposable consumer = handOff.items("hand-off-consumer", false)
                .concatMap(item -> {
                    threads.add(Thread.currentThread().getName());
                    return (item == 1 ? gate.asMono() : Mono.<Void>empty()).doFinally(s -> all.countDown());
                }, 0)
                .subscribe();
        try {
            assertThat(handOff.offer(1)).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (threads.isEmpty() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            for (int i = 2; i <= 4; i++) {
                assertThat(handOff.offer(i)).as("offer %d", i).isTrue();
            }
            assertThat(handOff.offer(5)).as("three wait behind the one in hand: full").isFalse();
            gate.tryEmitEmpty();
            assertThat(all.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(threads).hasSize(4).allMatch(name -> name.startsWith("hand-off-consumer"));
            assertThat(handOff.waiting()).isZero();
        } finally {
            consumer.dispose();
        }
        // the consumer's thread ends with its subscription
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (consumerThreadAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(consumerThreadAlive()).as("consumer thread still running after cancel").isFalse();
    }

    private static boolean consumerThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(thread -> thread.isAlive() && thread.getName().equals("hand-off-consumer"));
    }
}
