package dev.voiceagent.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

class BackgroundLoopTest {

    private final AtomicInteger subscribed = new AtomicInteger();
    private final AtomicInteger cancelled = new AtomicInteger();
    private final BackgroundLoop loop = new BackgroundLoop() {
        @Override
        protected Flux<?> loop() {
            return Flux.never().doOnSubscribe(s -> subscribed.incrementAndGet()).doOnCancel(cancelled::incrementAndGet);
        }
    };

    @Test
    void subscribesOnceWhileRunningAndDisposesOnStop() {
        loop.start();
        loop.start();
        assertThat(loop.isRunning()).isTrue();
        assertThat(subscribed).hasValue(1);

        loop.stop();
        loop.stop();
        assertThat(loop.isRunning()).isFalse();
        assertThat(cancelled).hasValue(1);

        loop.start();
        assertThat(subscribed).hasValue(2);
        loop.stop();
    }
}
