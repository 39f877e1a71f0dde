package dev.voiceagent.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConsumerThreadTest {

    @Test
    void runsWhatItIsHandedInOrderOnItsOwnThread() throws InterruptedException {
        List<String> seen = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(100);
        try (ConsumerThread thread = new ConsumerThread("consumer-order", false)) {
            for (int i = 0; i < 100; i++) {
                int n = i;
                thread.execute(() -> {
                    seen.add(n + "@" + Thread.currentThread().getName());
                    done.countDown();
                });
            }
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(seen).hasSize(100).allMatch(entry -> entry.endsWith("@consumer-order"));
        for (int i = 0; i < 100; i++) {
            assertThat(seen.get(i)).startsWith(i + "@");
        }
    }

    @Test
    void anInterruptNeitherStopsTheThreadNorTurnsItsWaitIntoASpin() throws InterruptedException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Thread[] self = new Thread[1];
        CountDownLatch started = new CountDownLatch(1);
        try (ConsumerThread thread = new ConsumerThread("consumer-interrupted", false)) {
            thread.execute(() -> {
                self[0] = Thread.currentThread();
                started.countDown();
            });
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            self[0].interrupt();
            Thread.sleep(50);
            long before = threads.getThreadCpuTime(self[0].getId());
            Thread.sleep(500);
            long spent = threads.getThreadCpuTime(self[0].getId()) - before;
            assertThat(spent).as("CPU the idle thread spent in 500 ms, ns").isLessThan(TimeUnit.MILLISECONDS.toNanos(50));

            CountDownLatch ran = new CountDownLatch(1);
            thread.execute(ran::countDown);
            assertThat(ran.await(5, TimeUnit.SECONDS)).as("still takes work").isTrue();
        }
        self[0].join(5000);
        assertThat(self[0].isAlive()).as("ends once closed").isFalse();
    }

    @Test
    void aClosedThreadRefusesWork() {
        ConsumerThread thread = new ConsumerThread("consumer-closed", false);
        thread.close();
        assertThatThrownBy(() -> thread.execute(() -> { }))
                .isInstanceOf(RejectedExecutionException.class);
    }
}
