package dev.voiceagent.localstack;

import dev.voiceagent.bridge.MediaBridgeApplication;
import dev.voiceagent.callbacks.CallbackApplication;
import dev.voiceagent.config.ConfigApplication;
import dev.voiceagent.evaluation.EvaluationApplication;
import dev.voiceagent.gateway.GatewayApplication;
import dev.voiceagent.testkit.infra.DatabaseCoordinates;
import dev.voiceagent.testkit.infra.SharedInfrastructure;
import dev.voiceagent.tools.ToolExecutorApplication;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole suite on one machine, in one JVM: an embedded KRaft broker, an embedded PostgreSQL (or an external
 * one), the six services, each in its own Spring application context on its own port exactly as it would run
 * alone, and the Twilio and realtime-model simulators unless real credentials are given. Closing it stops
 * everything in reverse order.
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);

    private final LocalStackOptions options;
    private final Map<String, String> serviceSettings;
    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private String kafkaBootstrap;
    private DatabaseCoordinates database;
    private Simulators simulators;
    private final String mediaTokenSecret = UUID.randomUUID().toString();

    private LocalStack(LocalStackOptions options, Map<String, String> serviceSettings) {
        this.options = options;
        this.serviceSettings = Map.copyOf(serviceSettings);
    }

    /** Starts everything and seeds the demo tenant; on failure, what already started is stopped. */
    public static LocalStack start(LocalStackOptions options) {
        return start(options, Map.of());
    }

    /**
     * As {@link #start(LocalStackOptions)}, with extra settings given to every service (e.g. a short
     * {@code voice.bridge.resilience.stall-timeout} for a fault test); the stack's own wiring still wins.
     */
    public static LocalStack start(LocalStackOptions options, Map<String, String> serviceSettings) {
        LocalStack stack = new LocalStack(options, serviceSettings);
        try {
            stack.startInfrastructure();
            stack.simulators = Simulators.start(options, stack.port("twilio-simulator", 8086),
                    stack.port("realtime-simulator", 8087));
            stack.running.push(stack.simulators);
            stack.startServices();
            new DemoSeed(stack).run();
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private void startInfrastructure() {
        int kafkaPort = options.fixedPorts() ? 9092 : 0;
        SharedInfrastructure.RunningKafka kafka = SharedInfrastructure.startEmbeddedKafka(kafkaPort);
        running.push(kafka);
        kafkaBootstrap = kafka.bootstrapServers();
        if (options.databaseUrl() != null) {
            database = DatabaseCoordinates.parse(options.databaseUrl());
        } else {
            int pgPort = options.fixedPorts() && isFree(5432) ? 5432 : freePort();
            SharedInfrastructure.RunningPostgres pg = SharedInfrastructure.startEmbeddedPostgres(pgPort);
            running.push(pg);
            SharedInfrastructure.createDatabase(pg.coordinates(), "voice");
            database = pg.coordinates().withDatabase("voice");
        }
    }

    private void startServices() {
        int gateway = port("gateway-service", 8080);
        int config = port("config-service", 8081);
        int bridge = port("media-bridge-service", 8082);
        int tools = port("tool-executor-service", 8083);
        int evaluation = port("evaluation-service", 8084);
        int callbacks = port("callback-service", 8085);

        Map<String, Object> common = new HashMap<>(serviceSettings);
        common.putAll(database.serviceProperties());
        common.put("spring.kafka.bootstrap-servers", kafkaBootstrap);
        common.put("voice.admin-key", options.adminKey());
        common.put("voice.twilio.account-sid", options.twilioAccountSid());
        common.put("voice.twilio.auth-token", options.twilioAuthToken());
        if (simulators.twilioBaseUrl() != null) {
            common.put("voice.twilio.api-base-url", simulators.twilioBaseUrl());
        }

        run(ConfigApplication.class, config, common, Map.of());
        run(ToolExecutorApplication.class, tools, common, Map.of());
        Map<String, Object> evaluationOwn = new HashMap<>();
        evaluationOwn.put("voice.evaluation.gateway-url", "http://localhost:" + gateway);
        if (simulators.scriptControlUrl() != null) {
            // synthetic runs script each call at the Twilio simulator; a real deployment leaves this unset
            evaluationOwn.put("voice.evaluation.synthetic.simulator-control-url", simulators.scriptControlUrl());
        }
        run(EvaluationApplication.class, evaluation, common, evaluationOwn);
        run(CallbackApplication.class, callbacks, common, Map.of());
        run(MediaBridgeApplication.class, bridge, common, Map.of(
                "voice.realtime.url", simulators.realtimeUrl(),
                "voice.realtime.api-key", simulators.realtimeApiKey(),
                "voice.bridge.instance-id", "local"));
        String publicBase = options.publicBaseUrl() != null ? options.publicBaseUrl() : "http://localhost:" + gateway;
        run(GatewayApplication.class, gateway, common, Map.of(
                "voice.gateway.public-base-url", publicBase,
                "voice.gateway.bridge-url", "ws://localhost:" + bridge + "/internal/v1/media-stream",
                "voice.gateway.bridge-api-url", "http://localhost:" + bridge,
                "voice.gateway.config-url", "http://localhost:" + config,
                "voice.gateway.evaluation-url", "http://localhost:" + evaluation,
                "voice.gateway.callback-url", "http://localhost:" + callbacks,
                "voice.gateway.media-token-secrets", mediaTokenSecret));
    }

    private void run(Class<?> application, int port, Map<String, Object> common, Map<String, Object> own) {
        Map<String, Object> properties = new HashMap<>(common);
        properties.putAll(own);
        properties.put("server.port", port);
        long started = System.nanoTime();
        // as command-line arguments: they outrank the service's own file, as an operator's settings would
        String[] args = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
                .registerShutdownHook(false)
                .run(args);
        running.push(context);
        log.info("{} up on port {} in {} ms", context.getEnvironment().getProperty("spring.application.name"), port,
                (System.nanoTime() - started) / 1_000_000);
    }

    private int port(String name, int fixed) {
        int port = options.fixedPorts() ? fixed : freePort();
        ports.put(name, port);
        return port;
    }

    public String gatewayUrl() {
        return options.publicBaseUrl() != null ? options.publicBaseUrl() : url("gateway-service");
    }

    /** The local URL of a service or simulator by name (e.g. {@code config-service}). */
    public String url(String name) {
        return "http://localhost:" + ports.get(name);
    }

    /** Service and simulator ports, in the order they were assigned. */
    public Map<String, Integer> ports() {
        return java.util.Collections.unmodifiableMap(ports);
    }

    public String kafkaBootstrapServers() {
        return kafkaBootstrap;
    }

    public DatabaseCoordinates database() {
        return database;
    }

    public LocalStackOptions options() {
        return options;
    }

    public Simulators simulators() {
        return simulators;
    }

    @Override
    public synchronized void close() {
        while (!running.isEmpty()) {
            AutoCloseable next = running.pop();
            try {
                next.close();
            } catch (Exception e) {
                log.warn("could not stop {}", next, e);
            }
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            socket.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }
}
