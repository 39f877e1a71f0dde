package dev.voiceagent.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ServiceFootprintTest {

    private static final String METRICS = """
            # HELP jvm_gc_pause_seconds Time spent in GC pause
            # TYPE jvm_gc_pause_seconds summary
            jvm_gc_pause_seconds_count{action="end of minor GC",cause="Allocation Failure",gc="Copy"} 40
            jvm_gc_pause_seconds_sum{action="end of minor GC",cause="Allocation Failure",gc="Copy"} 0.2
            jvm_gc_pause_seconds_count{action="end of major GC",cause="System.gc()",gc="MarkSweepCompact"} 3
            jvm_gc_pause_seconds_sum{action="end of major GC",cause="System.gc()",gc="MarkSweepCompact"} 0.9
            # TYPE jvm_gc_pause_seconds_max gauge
            jvm_gc_pause_seconds_max{action="end of minor GC",cause="Allocation Failure",gc="Copy"} 0.012
            jvm_gc_pause_seconds_max{action="end of major GC",cause="System.gc()",gc="MarkSweepCompact"} 0.4
            jvm_gc_pause_seconds_count{action="end of minor GC",cause="G1 Evacuation Pause",gc="G1 Young Generation"} 2
            jvm_gc_pause_seconds_sum{action="end of minor GC",cause="G1 Evacuation Pause",gc="G1 Young Generation"} 0.03
            jvm_gc_pause_seconds_max{action="end of minor GC",cause="G1 Evacuation Pause",gc="G1 Young Generation"} 0.02
            jvm_memory_used_bytes{area="heap",id="eden"} 1.0E7
            # HELP jvm_gc_memory_allocated_bytes_total Incremented for an increase in the size of the (young) heap memory pool after one GC to before the next
            # TYPE jvm_gc_memory_allocated_bytes_total counter
            jvm_gc_memory_allocated_bytes_total 2.5E9
            """;

    @Test
    void gcPausesLeaveOutTheFullCollectionsTheFootprintAsksFor() {
        ServiceFootprint.Gc gc = ServiceFootprint.gc(METRICS);

        assertThat(gc.pauses()).isEqualTo(42);
        assertThat(gc.seconds()).isCloseTo(0.23, within(1e-9));
        assertThat(gc.longestSeconds()).isCloseTo(0.02, within(1e-9));
        assertThat(gc.allocatedBytes()).isEqualTo(2.5e9);
    }

    @Test
    void aRunsPausesAreTheDifferenceOfTwoReadings() {
        ServiceFootprint.Gc run = ServiceFootprint.gc(METRICS).minus(new ServiceFootprint.Gc(30, 0.1, 0.5, 1e9));

        assertThat(run.pauses()).isEqualTo(12);
        assertThat(run.seconds()).isCloseTo(0.13, within(1e-9));
        assertThat(run.longestSeconds()).isCloseTo(0.02, within(1e-9));
        assertThat(run.allocatedBytes()).isEqualTo(1.5e9);
    }

    @Test
    void noMetricsNoPauses() {
        assertThat(ServiceFootprint.gc("")).isEqualTo(ServiceFootprint.Gc.NONE);
    }
}
