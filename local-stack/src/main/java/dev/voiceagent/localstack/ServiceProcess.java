package dev.voiceagent.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A service in a JVM of its own, started from this JVM's classpath with the service's main class, as a deployment
 * runs it: its own heap, threads, JIT and garbage collector. It counts as started when {@code /health/ready}
 * answers 200; stopping it is a SIGTERM (the service drains and shuts down gracefully), with a SIGKILL after
 * {@link #STOP_GRACE}. A JVM hook kills whatever children are still alive if this JVM exits without stopping them.
 */
final class ServiceProcess {

    static final Duration READY_WITHIN = Duration.ofMinutes(3);
    static final Duration STOP_GRACE = Duration.ofSeconds(40);
    private static final Set<Process> ALIVE = ConcurrentHashMap.newKeySet();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ALIVE.forEach(Process::destroyForcibly),
                "local-stack-children"));
    }

    /**
     * What to run.
     *
     * @param mainClass   the service's {@code @SpringBootApplication} class
     * @param arguments   its settings as {@code --key=value} arguments
     * @param javaOptions JVM options (heap, collector)
     * @param log         where its standard output and error go (appended: a restart continues the same file)
     */
    record Spec(String name, String mainClass, int port, List<String> arguments, List<String> javaOptions,
                Path log) {
    }

    private final Spec spec;
    private final Process process;

    private ServiceProcess(Spec spec, Process process) {
        this.spec = spec;
        this.process = process;
    }

    /** Starts the service and waits until it reports ready; a service that exits or never gets ready fails here. */
    static ServiceProcess start(Spec spec) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(spec.javaOptions());
        command.add("-cp");
        command.add(serviceClasspath());
        command.add(spec.mainClass());
        command.addAll(spec.arguments());
        Process process;
        try {
            Files.createDirectories(spec.log().getParent());
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.log().toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + spec.name(), e);
        }
        ALIVE.add(process);
        ServiceProcess service = new ServiceProcess(spec, process);
        service.awaitReady();
        return service;
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        HttpRequest probe = HttpRequest.newBuilder(URI.create("http://localhost:" + spec.port() + "/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                ALIVE.remove(process);
                throw new IllegalStateException(spec.name() + " exited with status " + process.exitValue()
                        + " while starting; its log " + spec.log() + " ends with:\n" + tail(spec.log(), 40));
            }
            try {
                if (HTTP.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // the web server starts last; until then the port refuses connections
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
                throw new IllegalStateException("interrupted while " + spec.name() + " was starting", e);
            }
            sleep(250);
        }
        kill();
        throw new IllegalStateException(spec.name() + " was not ready within " + READY_WITHIN + "; its log "
                + spec.log() + " ends with:\n" + tail(spec.log(), 40));
    }

    /** SIGTERM, then the service's graceful shutdown; SIGKILL if it has not exited within {@link #STOP_GRACE}. */
    void stop() {
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        ALIVE.remove(process);
    }

    /** SIGKILL: nothing drains, nothing is flushed — a crash. Returns once the process is gone. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ALIVE.remove(process);
    }

    long pid() {
        return process.pid();
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    /**
     * This JVM's application classpath without test classes (a test's own auto-configuration must not load into the
     * services it starts). Under Surefire the full test classpath is in {@code surefire.test.class.path}.
     */
    static String serviceClasspath() {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(classpath.split(java.io.File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .filter(entry -> !Path.of(entry).endsWith("test-classes"))
                .collect(Collectors.joining(java.io.File.pathSeparator));
    }

    /** A new directory for this run's service logs: {@code VOICE_LOG_DIR}, or {@code target/service-logs/<time>}. */
    static Path logDirectory() {
        String configured = System.getenv("VOICE_LOG_DIR");
        Path base = configured != null && !configured.isBlank() ? Path.of(configured) : Path.of("target", "service-logs");
        Path directory = base.resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
                .toAbsolutePath();
        try {
            return Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the service log directory " + directory, e);
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
