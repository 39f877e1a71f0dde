package dev.voiceagent.testkit.bench;

import java.nio.file.Path;
import java.time.Duration;

/**
 * CPU time used so far by every live process of one executable name, such as all the {@code postgres} backends of a
 * benchmark's database: two readings give the CPU they spent in between (processes that ended in between are not
 * counted). Zero where the platform does not report processes' CPU.
 */
public final class ProcessesCpu {

    private ProcessesCpu() {
    }

    /** User plus system CPU time, in nanoseconds, of the live processes whose executable is named {@code name}. */
    public static long nanos(String name) {
        return ProcessHandle.allProcesses()
                .map(ProcessHandle::info)
                .filter(info -> info.command().map(command -> Path.of(command).getFileName().toString().equals(name))
                        .orElse(false))
                .mapToLong(info -> info.totalCpuDuration().map(Duration::toNanos).orElse(0L))
                .sum();
    }
}
