package dev.voiceagent.testkit.infra;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A single-node Kafka broker in KRaft mode (broker and controller in one) on a fixed client port, as an
 * operator would run it: storage formatted with the storage tool, then the server started. Used where the
 * port must be known in advance (the local stack's {@code localhost:9092}); its log directory is its own and
 * is removed on {@link #close()}. {@link #stop()} and {@link #restart()} take it down and bring it back on the
 * same ports and log directory, as an operator restarting a broker would (fault tests).
 */
public final class KraftBroker implements AutoCloseable {

    private final Properties config;
    private final Path logDir;
    private final String bootstrapServers;
    private KafkaRaftServer server;

    private KraftBroker(Properties config, Path logDir, String bootstrapServers) {
        this.config = config;
        this.logDir = logDir;
        this.bootstrapServers = bootstrapServers;
    }

    /** Formats a fresh log directory and starts the broker on {@code localhost:port}. */
    public static KraftBroker start(int port) {
        try {
            Path logDir = Files.createTempDirectory("voice-kraft-");
            int controllerPort = FreePorts.pick();
            Properties config = new Properties();
            config.put("process.roles", "broker,controller");
            config.put("node.id", "1");
            config.put("controller.quorum.voters", "1@localhost:" + controllerPort);
            config.put("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
            config.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
            config.put("controller.listener.names", "CONTROLLER");
            config.put("inter.broker.listener.name", "PLAINTEXT");
            config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            config.put("log.dirs", logDir.toString());
            config.put("num.partitions", "3");
            config.put("offsets.topic.replication.factor", "1");
            config.put("transaction.state.log.replication.factor", "1");
            config.put("transaction.state.log.min.isr", "1");
            config.put("group.initial.rebalance.delay.ms", "0");
            config.put("auto.create.topics.enable", "true");
            format(logDir, config);
            KraftBroker broker = new KraftBroker(config, logDir, "localhost:" + port);
            broker.restart();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("Kafka broker could not start", e);
        }
    }

    private static void format(Path logDir, Properties config) throws IOException {
        Path file = logDir.resolve("server.properties");
        try (var writer = Files.newBufferedWriter(file)) {
            config.store(writer, "local KRaft broker");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = kafka.tools.StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(),
                "-c", file.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8));
        if (rc != 0) {
            throw new IllegalStateException("formatting Kafka storage failed: " + out.toString(StandardCharsets.UTF_8));
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Whether the server is up (started and not stopped). */
    public synchronized boolean running() {
        return server != null;
    }

    /** Shuts the server down, keeping its log directory (committed offsets and records survive). */
    public synchronized void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    /** Starts the server again on the same ports and log directory; a no-op while it runs. */
    public synchronized void restart() {
        if (server == null) {
            KafkaRaftServer next = new KafkaRaftServer(new KafkaConfig(config, false), Time.SYSTEM);
            next.startup();
            server = next;
        }
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(logDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + logDir, e);
        }
    }
}
