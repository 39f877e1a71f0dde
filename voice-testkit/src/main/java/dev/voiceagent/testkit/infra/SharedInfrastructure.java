package dev.voiceagent.testkit.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * One real Kafka broker and one real PostgreSQL server per JVM, started on first use and stopped at exit.
 * With a reachable Docker engine they are Testcontainers; without one, Spring Kafka's embedded KRaft broker and
 * an embedded PostgreSQL (real binaries); {@code VOICE_DB_URL} points at an external server instead.
 */
public final class SharedInfrastructure {

    private static final Logger log = LoggerFactory.getLogger(SharedInfrastructure.class);
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final String TOOL_SECRETS_KEY = randomKey();

    private static String kafkaBootstrap;
    private static DatabaseCoordinates postgresAdmin;
    private static Boolean docker;

    private SharedInfrastructure() {
    }

    /** Bootstrap servers of the shared broker. */
    public static synchronized String kafka() {
        if (kafkaBootstrap == null) {
            kafkaBootstrap = useDocker() ? startKafkaContainer() : stopAtExit(startEmbeddedKafka(0)).bootstrapServers();
        }
        return kafkaBootstrap;
    }

    /**
     * The {@code voice.tool-secrets.keys} every service this JVM runs shares (random per JVM, as each deployment has its
     * own), so that a PIN the bridge seals opens in the executor.
     */
    public static String toolSecretsKey() {
        return TOOL_SECRETS_KEY;
    }

    /** A new, empty database on the shared server; each test class gets its own. */

    public static DatabaseCoordinates freshDatabase(String hint) {
        DatabaseCoordinates admin = postgres();
        String name = ("t_" + hint.replaceAll("[^A-Za-z0-9]", "_") + "_" + DATABASES.incrementAndGet()).toLowerCase();
        if (name.length() > 60) {
            name = name.substring(name.length() - 60);
        }
        createDatabase(admin, name);
        return admin.withDatabase(name);
    }

    /** The admin coordinates of the shared server (its maintenance database). */
    public static synchronized DatabaseCoordinates postgres() {
        if (postgresAdmin == null) {
            String external = System.getenv("VOICE_DB_URL");
            if (external != null && !external.isBlank()) {
                postgresAdmin = DatabaseCoordinates.parse(external);
            } else {
                postgresAdmin = useDocker() ? startPostgresContainer()
                        : stopAtExit(startEmbeddedPostgres(0)).coordinates();
            }
        }
        return postgresAdmin;
    }

    /** A broker this JVM started; {@link #close()} stops it. */
    public record RunningKafka(String bootstrapServers, AutoCloseable broker) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            broker.close();
        }
    }

    /** A PostgreSQL server this JVM started; {@link #close()} stops it. */
    public record RunningPostgres(DatabaseCoordinates coordinates, EmbeddedPostgres server) implements AutoCloseable {
        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException e) {
                log.warn("embedded PostgreSQL did not stop cleanly", e);
            }
        }
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return java.util.Base64.getEncoder().encodeToString(key);
    }

    /**
     * Starts a KRaft broker in this JVM: on a free port, Spring Kafka's embedded broker; on a given port (the
     * local stack's 9092, which that broker cannot bind), a single-node {@link KraftBroker}.
     */

    public static RunningKafka startEmbeddedKafka(int port) {
        if (port > 0) {
            KraftBroker broker = KraftBroker.start(port);
            log.info("Kafka (KRaft) at {}", broker.bootstrapServers());
            return new RunningKafka(broker.bootstrapServers(), broker);
        }
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 3);
        broker.brokerProperties(java.util.Map.of(
                "auto.create.topics.enable", "true",
                "group.initial.rebalance.delay.ms", "0",
                "offsets.topic.replication.factor", "1",
                "transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1"));
        broker.afterPropertiesSet();
        log.info("embedded Kafka (KRaft) at {}", broker.getBrokersAsString());
        return new RunningKafka(broker.getBrokersAsString(), broker::destroy);
    }

    /** Starts an embedded PostgreSQL (real binaries) on the given port (0 picks a free one). */
    public static RunningPostgres startEmbeddedPostgres(int port) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            if (port > 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres pg = builder.start();
            log.info("embedded PostgreSQL on port {}", pg.getPort());
            return new RunningPostgres(new DatabaseCoordinates("localhost", pg.getPort(), "postgres", "postgres",
                    "postgres"), pg);
        } catch (IOException e) {
            throw new IllegalStateException("embedded PostgreSQL failed to start", e);
        }
    }

    private static <T extends AutoCloseable> T stopAtExit(T resource) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("could not stop {}", resource, e);
            }
        }, "infrastructure-shutdown"));
        return resource;
    }

    /** Creates a database if it does not exist yet. */
    public static void createDatabase(DatabaseCoordinates admin, String name) {
        try (Connection c = DriverManager.getConnection(admin.jdbcUrl(), admin.username(), admin.password());
             Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name.replace("'", "''") + "'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE \"" + name.replace("\"", "") + "\"");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name, e);
        }
    }

    private static synchronized boolean useDocker() {
        if (docker == null) {
            boolean disabled = "false".equalsIgnoreCase(System.getenv("VOICE_TESTCONTAINERS"));
            docker = !disabled && dockerReachable();
        }
        return docker;
    }

    private static boolean dockerReachable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static String startKafkaContainer() {
        KafkaContainer kafka = new KafkaContainer("apache/kafka-native:4.1.0");
        kafka.start();
        return kafka.getBootstrapServers();
    }

    private static DatabaseCoordinates startPostgresContainer() {
        PostgreSQLContainer pg = new PostgreSQLContainer("postgres:16-alpine");
        pg.start();
        return new DatabaseCoordinates(pg.getHost(), pg.getFirstMappedPort(), pg.getDatabaseName(),
                pg.getUsername(), pg.getPassword());
    }
}
