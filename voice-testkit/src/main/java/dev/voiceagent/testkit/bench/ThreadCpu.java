package dev.voiceagent.testkit.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * CPU time of this JVM's threads, grouped by thread name with the numbers taken out ({@code reactor-http-nio-3} and
 * {@code reactor-http-nio-4} are one group), so that a benchmark that hosts the service, the broker and its own load
 * in one JVM can say which of them spent the CPU. What no Java thread accounts for (garbage collection, the JIT
 * compilers) is reported as {@code jvm (gc, jit)}. Take a {@link #snapshot()} before and after, then
 * {@link Snapshot#since(Snapshot)}.
 */
public final class ThreadCpu {

    /** The group of the CPU the process used that no Java thread accounts for. */
    public static final String JVM = "jvm (gc, jit)";
    private static final Pattern NUMBERS = Pattern.compile("\\d+");

    private ThreadCpu() {
    }

    /** CPU time per thread (by id) now, with each thread's group, and the process's CPU time. */
    public static Snapshot snapshot() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        Map<Long, String> groups = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long nanos = threads.getThreadCpuTime(info.getThreadId());
            if (nanos >= 0) {
                cpu.put(info.getThreadId(), nanos);
                groups.put(info.getThreadId(), group(info.getThreadName()));
            }
        }
        return new Snapshot(cpu, groups, processCpuNanos());
    }

    /** A thread's group: its name with every run of digits replaced by {@code #}. */
    public static String group(String threadName) {
        return NUMBERS.matcher(threadName).replaceAll("#");
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Thread CPU times at one instant. */
    public record Snapshot(Map<Long, Long> cpuByThread, Map<Long, String> groupByThread, long processNanos) {

        /**
         * CPU spent per group between {@code before} and this snapshot, largest first. Threads that ended in between
         * are not counted in their group; their CPU falls to {@link #JVM}, with the rest of the process's.
         */
        public Usage since(Snapshot before) {
            Map<String, Long> byGroup = new HashMap<>();
            long threadTotal = 0;
            for (Map.Entry<Long, Long> thread : cpuByThread.entrySet()) {
                long spent = thread.getValue() - before.cpuByThread.getOrDefault(thread.getKey(), 0L);
                if (spent > 0) {
                    byGroup.merge(groupByThread.get(thread.getKey()), spent, Long::sum);
                    threadTotal += spent;
                }
            }
            long process = processNanos - before.processNanos;
            byGroup.merge(JVM, Math.max(0, process - threadTotal), Long::sum);
            Map<String, Long> sorted = byGroup.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
            return new Usage(sorted, process);
        }
    }

    /** CPU per thread group over an interval, and the process's total. */
    public record Usage(Map<String, Long> nanosByGroup, long processNanos) {

        /** The groups summed into named parts by {@code part} (the service, the broker, the harness...). */
        public Map<String, Long> byPart(Function<String, String> part) {
            Map<String, Long> parts = new LinkedHashMap<>();
            nanosByGroup.forEach((group, nanos) -> parts.merge(part.apply(group), nanos, Long::sum));
            return parts.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
        }

        /**
         * A table of the largest {@code limit} groups: CPU in ms, share of the process, and microseconds per unit
         * of work ({@code units}: requests, frames...), named by {@code unit}.
         */
        public String table(int limit, long units, String unit) {
            StringBuilder out = new StringBuilder(String.format("%-48s %10s %7s %12s%n", "thread group", "cpu ms",
                    "share", "µs/" + unit));
            nanosByGroup.entrySet().stream().limit(limit).forEach(e -> out.append(row(e.getKey(), e.getValue(), units)));
            out.append(row("process", processNanos, units));
            return out.toString();
        }

        private String row(String name, long nanos, long units) {
            return String.format("%-48s %10.0f %6.1f%% %12.1f%n", name.length() > 48 ? name.substring(0, 48) : name,
                    nanos / 1e6, processNanos == 0 ? 0 : 100.0 * nanos / processNanos,
                    units == 0 ? 0 : nanos / 1e3 / units);
        }
    }
}
