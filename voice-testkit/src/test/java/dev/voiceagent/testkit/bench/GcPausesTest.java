package dev.voiceagent.testkit.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GcPausesTest {

    @Test
    void reportsTheCollectionsMadeWhileRecordingAndNoneAfterClosing() {
        GcPauses pauses = GcPauses.record();
        try {
            System.gc();
            // notifications come from the JVM's service thread, after the collection
            await().atMost(Duration.ofSeconds(10)).until(() -> !pauses.report().contains("none"));
            assertThat(pauses.report()).containsPattern("\\d+ (pauses|cycles \\(concurrent\\)), +\\d+ ms in all, "
                    + "longest +\\d+ ms");
            assertThat(pauses.maxPauseMillis()).isNotNegative();
        } finally {
            pauses.close();
        }
        String closed = pauses.report();
        System.gc();
        assertThat(pauses.report()).isEqualTo(closed);
    }

    @Test
    void aRecordingWithoutCollectionsSaysSo() {
        try (GcPauses pauses = GcPauses.record()) {
            pauses.close();
            assertThat(pauses.report()).isEqualTo("  none\n");
            assertThat(pauses.maxPauseMillis()).isZero();
        }
    }
}
