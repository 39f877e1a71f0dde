package dev.voiceagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.testkit.blocking.EventLoopGuard;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.DisposableServer;
import reactor.test.StepVerifier;

/**
 * This module's tests run under {@link EventLoopGuard}: a blocking call on an event loop fails the test that caused
 * it. Shown here with deliberate blocking (each case drains what it caused, so the guard passes it).
 */
class EventLoopGuardTest {

    @Test
    void sleepingOnAReactorParallelThreadIsRecordedAndFailsThePipeline() {
        assertThat(EventLoopGuard.installed()).as("installed for this module's tests").isTrue();
        StepVerifier.create(Mono.fromCallable(() -> {
                    Thread.sleep(1);
                    return 1;
                }).subscribeOn(Schedulers.parallel()))
                .expectError(BlockingOperationError.class)
                .verify(Duration.ofSeconds(5));
        assertThat(EventLoopGuard.drain()).singleElement().satisfies(violation -> {
            assertThat(violation.method()).contains("sleep");
            assertThat(violation.thread()).startsWith("parallel-");
            assertThat(violation.stack()).anyMatch(frame -> frame.getClassName().startsWith(getClass().getName()));
        });
    }

    @Test
    void blockingInsideANettyHandlerIsRecordedEvenWhenTheErrorIsSwallowed() {
        DisposableServer server = HttpServer.create().port(0)
                .handle((request, response) -> response.sendString(Mono.fromCallable(() -> {
                    Thread.sleep(1);
                    return "slept";
                }).onErrorReturn("swallowed")))
                .bindNow();
        try {
            String body = HttpClient.create().get().uri("http://localhost:" + server.port() + "/")
                    .responseContent().aggregate().asString().block(Duration.ofSeconds(5));
            assertThat(body).isEqualTo("swallowed");
        } finally {
            server.disposeNow();
        }
        assertThat(EventLoopGuard.drain()).singleElement()
                .satisfies(violation -> assertThat(violation.thread()).startsWith("reactor-http-"));
    }

    @Test
    void waitingForALockOnAReactorParallelThreadIsRecordedWithoutBreakingTheLock() throws Exception {
        ReentrantLock lock = new ReentrantLock();
        lock.lock();
        Mono<Integer> waiter = Mono.fromCallable(() -> {
            lock.lock();
            try {
                return 1;
            } finally {
                lock.unlock();
            }
        }).subscribeOn(Schedulers.parallel());
        StepVerifier.create(waiter)
                .then(() -> {
                    // release only once the parallel thread is parked in the lock's queue
                    await().atMost(Duration.ofSeconds(5)).until(lock::hasQueuedThreads);
                    lock.unlock();
                })
                .expectNext(1)
                .verifyComplete();
        // an error thrown out of the park would have left its node in the lock's queue: a later waiter queues behind
        // it and is never woken
        lock.lock();
        int queued = lock.getQueueLength();
        CompletableFuture<Boolean> later = new CompletableFuture<>();
        Thread laterWaiter = new Thread(() -> {
            lock.lock();
            lock.unlock();
            later.complete(true);
        });
        laterWaiter.setDaemon(true);
        laterWaiter.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> lock.getQueueLength() > queued);
        lock.unlock();
        assertThat(later.get(5, TimeUnit.SECONDS)).as("a later waiter gets the lock").isTrue();
        assertThat(EventLoopGuard.drain()).singleElement().satisfies(violation -> {
            assertThat(violation.method()).contains("park");
            assertThat(violation.thread()).startsWith("parallel-");
        });
    }

    @Test
    void blockingWhereBlockingBelongsIsFine() {
        StepVerifier.create(Mono.fromCallable(() -> {
                    Thread.sleep(1);
                    return 1;
                }).subscribeOn(Schedulers.boundedElastic()))
                .expectNext(1)
                .verifyComplete();
        assertThat(EventLoopGuard.drain()).isEmpty();
    }
}
