package dev.voiceagent.testkit.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * An embedded PostgreSQL (real binaries) on a fixed port whose data directory outlives a {@link #stop()}, so it
 * can be taken down and {@link #restart() started again} on the same port and data, as an operator restarting
 * the server would (fault tests). {@link #close()} stops it and removes the data. The data directory lives
 * outside the embedded library's working directory, whose housekeeping removes unlocked data directories.
 */
public final class RestartablePostgres implements AutoCloseable {

    private final int port;
    private final Path home;
    private final Path dataDirectory;
    private EmbeddedPostgres server;

    private RestartablePostgres(int port, Path home) {
        this.port = port;
        this.home = home;
        this.dataDirectory = home.resolve("data");
    }

    /** Initialises a fresh data directory and starts the server on {@code port} (0 picks a free one). */
    public static RestartablePostgres start(int port) {
        try {
            RestartablePostgres pg = new RestartablePostgres(port > 0 ? port : FreePorts.pick(),
                    Files.createTempDirectory("voice-pg-"));
            pg.restart();
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL could not start", e);
        }
    }

    /** The admin coordinates (maintenance database); valid across restarts. */
    public DatabaseCoordinates coordinates() {
        return new DatabaseCoordinates("localhost", port, "postgres", "postgres", "postgres");
    }

    public synchronized boolean running() {
        return server != null;
    }

    /** Stops the server (fast shutdown: open connections are cut), keeping its data. */
    public synchronized void stop() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                throw new UncheckedIOException("embedded PostgreSQL did not stop cleanly", e);
            } finally {
                server = null;
            }
        }
    }

    /** Starts the server again on the same port and data directory; a no-op while it runs. */
    public synchronized void restart() {
        if (server != null) {
            return;
        }
        try {
            server = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL could not start on port " + port, e);
        }
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + home, e);
        }
    }
}
