package dev.voiceagent.testkit.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

class ResponseTimeoutDiagnosticsTest {

    @Test
    void recognisesABlockingReadThatTimedOut() {
        Throwable blocked = catchThrowable(() -> Mono.never().block(Duration.ofMillis(10)));
        assertThat(ResponseTimeoutDiagnostics.timedOut(blocked)).isTrue();
        assertThat(ResponseTimeoutDiagnostics.timedOut(new AssertionError("expected 400 but was 500"))).isFalse();
        assertThat(ResponseTimeoutDiagnostics.timedOut(new IllegalStateException("closed", new RuntimeException())))
                .isFalse();
    }

    @Test
    void dumpsEveryThreadWithItsStack() {
        assertThat(ResponseTimeoutDiagnostics.threadDump())
                .contains("\"" + Thread.currentThread().getName() + "\" RUNNABLE")
                .contains(ResponseTimeoutDiagnosticsTest.class.getName() + ".dumpsEveryThreadWithItsStack(");
    }
}
