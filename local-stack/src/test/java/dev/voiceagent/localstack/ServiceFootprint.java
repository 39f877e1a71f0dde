package dev.voiceagent.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * What each service costs while the stack runs with a JVM per service: heap used after a full GC (asked of the
 * service's JVM with {@code jcmd GC.run}, then read from its Prometheus endpoint), heap committed, the process's
 * resident set, live threads and CPU time so far — one line per service, plus the harness JVM (broker and
 * simulators).
 */
final class ServiceFootprint {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One service's figures, in MiB and seconds; {@code sessions} is the bridge's live-call gauge, else -1. */
    record Line(String service, long pid, double heapUsedMiB, double heapCommittedMiB, long rssMiB, long threads,
                double cpuSeconds, long sessions) {
        @Override
        public String toString() {
            return String.format("  %-22s pid %-7d heap %6.1f MiB used after GC, %6.1f committed, RSS %5d MiB, "
                            + "threads %4d, CPU %7.1f s%s", service, pid, heapUsedMiB, heapCommittedMiB, rssMiB, threads,
                    cpuSeconds, sessions >= 0 ? ", live sessions " + sessions : "");
        }
    }

    private ServiceFootprint() {
    }

    static String table(LocalStack stack, String when) {
        StringBuilder text = new StringBuilder(when).append(" (each service in its own JVM):\n");
        for (String service : stack.serviceNames()) {
            stack.process(service).ifPresent(process -> text.append(measure(stack, service, process)).append('\n'));
        }
        System.gc();
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        text.append(String.format("  %-22s heap %6.1f MiB used after GC (Kafka broker, simulators, harness)",
                "this JVM", heap.getUsed() / 1048576.0));
        return text.toString();
    }

    static Line measure(LocalStack stack, String service, ProcessHandle process) {
        String metrics = metricsAfterGc(stack, service, process);
        double cpu = process.info().totalCpuDuration().map(d -> d.toMillis() / 1000.0).orElse(-1.0);
        long sessions = metrics.contains("voice_bridge_sessions_active")
                ? (long) sum(metrics, "voice_bridge_sessions_active", null) : -1;
        return new Line(service, process.pid(), sum(metrics, "jvm_memory_used_bytes", "area=\"heap\"") / 1048576.0,
                sum(metrics, "jvm_memory_committed_bytes", "area=\"heap\"") / 1048576.0, rssMiB(process.pid()),
                (long) sum(metrics, "jvm_threads_live_threads", null), cpu, sessions);
    }

    /** A service's heap used right after a full collection, in bytes; -1 when it does not run in a JVM of its own. */
    static long heapUsedAfterGc(LocalStack stack, String service) {
        return stack.process(service).map(process -> (long) sum(metricsAfterGc(stack, service, process),
                "jvm_memory_used_bytes", "area=\"heap\"")).orElse(-1L);
    }

    /** The service's Prometheus page right after a full collection of its JVM. */
    private static String metricsAfterGc(LocalStack stack, String service, ProcessHandle process) {
        fullGc(process.pid());
        return scrape(stack.url(service) + "/metrics");
    }

    /** Sums the samples of one metric, optionally only those whose labels contain {@code label}. */
    static double sum(String prometheusText, String metric, String label) {
        double total = 0;
        for (String line : prometheusText.split("\n")) {
            if (line.startsWith(metric + "{") || line.startsWith(metric + " ")) {
                if (label == null || line.contains(label)) {
                    total += value(line);
                }
            }
        }
        return total;
    }

    private static void fullGc(long pid) {
        jcmd(pid, "GC.run");
    }

    /**
     * Live objects by class (bytes), after a full GC: {@code jcmd GC.class_histogram}. Two of them, taken at the
     * start and the end of a run, show what grew ({@link #grown}).
     */
    static Map<String, Long> classHistogram(long pid) {
        Map<String, Long> bytes = new HashMap<>();
        // "   1:   12345   678901  java.lang.String (java.base@17)"
        for (String line : jcmd(pid, "GC.class_histogram").split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length >= 4 && cols[0].endsWith(":")) {
                try {
                    bytes.merge(cols[3], Long.parseLong(cols[2]), Long::sum);
                } catch (NumberFormatException header) {
                    // the column titles and the total line
                }
            }
        }
        return bytes;
    }

    /** The classes whose live bytes grew most between two histograms, largest first. */
    static String grown(Map<String, Long> before, Map<String, Long> after, int top) {
        return after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(top)
                .map(e -> String.format("%s +%.1f KiB", e.getKey(), e.getValue() / 1024.0))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    private static String jcmd(long pid, String command) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            return output;
        } catch (IOException e) {
            System.out.println("jcmd " + command + " failed for pid " + pid + ": " + e.getMessage());
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    static String scrape(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static long rssMiB(long pid) {
        long kib = statusSum(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:");
        return kib < 0 ? -1 : kib / 1024;
    }

    /** A service process's CPU so far: in all, in user space and in the kernel, and its threads' context switches. */
    record Cpu(double seconds, double userSeconds, double kernelSeconds, long contextSwitches) {

        static final Cpu NONE = new Cpu(0, 0, 0, 0);

        Cpu minus(Cpu before) {
            return new Cpu(seconds - before.seconds, userSeconds - before.userSeconds,
                    kernelSeconds - before.kernelSeconds, contextSwitches - before.contextSwitches);
        }

        /** The kernel's share of user and kernel time, in percent: for a relay, mostly its socket reads and writes. */
        double kernelPercent() {
            double both = userSeconds + kernelSeconds;
            return both == 0 ? 0 : 100 * kernelSeconds / both;
        }
    }

    /** {@link Cpu} of each service that runs in a process of its own. */
    static Map<String, Cpu> cpu(LocalStack stack) {
        return perProcess(stack, (service, process) -> cpu(process));
    }

    /** One reading for each service that runs in a process of its own, in the stack's order. */
    private static <T> Map<String, T> perProcess(LocalStack stack, BiFunction<String, ProcessHandle, T> reading) {
        Map<String, T> readings = new LinkedHashMap<>();
        stack.serviceNames().forEach(service -> stack.process(service).ifPresent(process -> readings.put(service,
                reading.apply(service, process))));
        return readings;
    }

    /** The sample value at the end of a Prometheus text line. */
    private static double value(String line) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    /**
     * The total from the JDK; user and kernel time from Linux's {@code /proc/<pid>/stat} (100 ticks a second) and
     * context switches from each thread's {@code status}, zeros elsewhere.
     */
    private static Cpu cpu(ProcessHandle process) {
        double seconds = process.info().totalCpuDuration().map(d -> d.toMillis() / 1000.0).orElse(0.0);
        double user = 0;
        double kernel = 0;
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            // after "pid (name) ": state is field 0, utime 11, stime 12
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            user = Long.parseLong(fields[11]) / 100.0;
            kernel = Long.parseLong(fields[12]) / 100.0;
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        long switches = 0;
        try (var threads = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
            switches = threads.mapToLong(task -> Math.max(0, statusSum(task.resolve("status"),
                    "voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:"))).sum();
        } catch (IOException | UncheckedIOException e) {
            // not Linux, or the process is gone
        }
        return new Cpu(seconds, user, kernel, switches);
    }

    /**
     * The sum of the numbers on the lines of a {@code /proc} status file that start with one of {@code keys}; -1 if
     * the file cannot be read or has none of them.
     */
    private static long statusSum(Path status, String... keys) {
        try {
            long sum = 0;
            boolean found = false;
            for (String line : Files.readAllLines(status)) {
                for (String key : keys) {
                    if (line.startsWith(key)) {
                        sum += Long.parseLong(line.replaceAll("\\D", ""));
                        found = true;
                    }
                }
            }
            return found ? sum : -1;
        } catch (IOException | NumberFormatException e) {
            // not Linux, or the process or thread has ended meanwhile
            return -1;
        }
    }

    /**
     * A service's garbage-collection pauses so far, from Micrometer's {@code jvm_gc_pause_seconds}: count and total
     * without the full collections this class asks for ({@code cause="System.gc()"}), and the longest pause of the
     * timer's recent window (about the last two minutes); and the bytes it has allocated on its heap
     * ({@code jvm_gc_memory_allocated_bytes_total}, which grows at each collection by what the young generation took
     * since the one before), the rate that sets how often young collections pause it.
     */
    record Gc(long pauses, double seconds, double longestSeconds, double allocatedBytes) {

        static final Gc NONE = new Gc(0, 0, 0, 0);

        Gc minus(Gc before) {
            return new Gc(pauses - before.pauses, seconds - before.seconds, longestSeconds,
                    allocatedBytes - before.allocatedBytes);
        }
    }

    /** {@link Gc} of each service that runs in a process of its own. */
    static Map<String, Gc> gc(LocalStack stack) {
        return perProcess(stack, (service, process) -> gc(scrape(stack.url(service) + "/metrics")));
    }

    static Gc gc(String prometheusText) {
        long pauses = 0;
        double seconds = 0;
        double longest = 0;
        double allocated = 0;
        for (String line : prometheusText.split("\n")) {
            if (line.startsWith("jvm_gc_memory_allocated_bytes_total")) {
                allocated += value(line);
                continue;
            }
            if (!line.startsWith("jvm_gc_pause_seconds") || line.contains("cause=\"System.gc()\"")) {
                continue;
            }
            double value = value(line);
            if (line.startsWith("jvm_gc_pause_seconds_count{")) {
                pauses += (long) value;
            } else if (line.startsWith("jvm_gc_pause_seconds_sum{")) {
                seconds += value;
            } else if (line.startsWith("jvm_gc_pause_seconds_max{")) {
                longest = Math.max(longest, value);
            }
        }
        return new Gc(pauses, seconds, longest, allocated);
    }
}
