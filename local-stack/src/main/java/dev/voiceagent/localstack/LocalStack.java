package dev.voiceagent.localstack;

import dev.voiceagent.bridge.MediaBridgeApplication;
import dev.voiceagent.callbacks.CallbackApplication;
import dev.voiceagent.config.ConfigApplication;
import dev.voiceagent.evaluation.EvaluationApplication;
import dev.voiceagent.gateway.GatewayApplication;
import dev.voiceagent.support.VoiceService;
import dev.voiceagent.testkit.infra.DatabaseCoordinates;
import dev.voiceagent.testkit.infra.FreePorts;
import dev.voiceagent.testkit.infra.KraftBroker;
import dev.voiceagent.testkit.infra.RestartablePostgres;
import dev.voiceagent.testkit.infra.SharedInfrastructure;
import dev.voiceagent.tools.ToolExecutorApplication;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * The whole suite on one machine: an embedded KRaft broker, an embedded PostgreSQL (or an external one), the six
 * services, each on its own port exactly as it would run alone — in this JVM, each in its own Spring application
 * context, or each in a JVM of its own ({@link LocalStackOptions#separateProcesses()}) — and the Twilio and
 * realtime-model simulators unless real credentials are given. Closing it stops
 * everything in reverse order. For fault drills the broker, the database and each service can be stopped and
 * started again on the same ports and data ({@link #stopKafka()}, {@link #stopDatabase()},
 * {@link #stopService(String)} and their counterparts).
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);

    private final LocalStackOptions options;
    private final Map<String, Object> settings;
    /** What is up, the latest first; services starting or stopping together update it from their own threads. */
    private final Deque<AutoCloseable> running = new ConcurrentLinkedDeque<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, ServiceRun> services = new LinkedHashMap<>();
    private String kafkaBootstrap;
    private KraftBroker broker;
    private RestartablePostgres postgres;
    private DatabaseCoordinates database;
    private Simulators simulators;
    private Path serviceLogs;
    private final String mediaTokenSecret = UUID.randomUUID().toString();
    /** The key the media bridge seals callers' PINs with for the tool executor: one per run, shared by just those two. */
    private final String toolSecretsKey = SharedInfrastructure.toolSecretsKey();

    private LocalStack(LocalStackOptions options, Map<String, ?> settings) {
        this.options = options;
        this.settings = Map.copyOf(settings);
    }

    /** Starts everything and seeds the demo tenant; on failure, what already started is stopped. */
    public static LocalStack start(LocalStackOptions options) {
        return start(options, Map.of());
    }

    /**
     * As {@link #start(LocalStackOptions)}, with settings given to every service on top of the stack's own (e.g.
     * {@code voice.gateway.limits.enabled=false} for a load run, a short {@code voice.bridge.resilience.stall-timeout}
     * for a fault test).
     */
    public static LocalStack start(LocalStackOptions options, Map<String, ?> settings) {
        LocalStack stack = new LocalStack(options, settings);
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
        broker = KraftBroker.start(options.fixedPorts() ? 9092 : FreePorts.pick());
        running.push(broker);
        kafkaBootstrap = broker.bootstrapServers();
        log.info("Kafka (KRaft) at {}", kafkaBootstrap);
        if (options.databaseUrl() != null) {
            database = DatabaseCoordinates.parse(options.databaseUrl());
        } else {
            int pgPort = options.fixedPorts() && isFree(5432) ? 5432 : FreePorts.pick();
            postgres = RestartablePostgres.start(pgPort);
            running.push(postgres);
            log.info("embedded PostgreSQL on port {}", pgPort);
            SharedInfrastructure.createDatabase(postgres.coordinates(), "voice");
            database = postgres.coordinates().withDatabase("voice");
        }
    }

    private void startServices() {
        int gateway = port("gateway-service", 8080);
        int config = port("config-service", 8081);
        int bridge = port("media-bridge-service", 8082);
        int tools = port("tool-executor-service", 8083);
        int evaluation = port("evaluation-service", 8084);
        int callbacks = port("callback-service", 8085);

        Map<String, Object> common = new HashMap<>(database.serviceProperties());
        common.put("spring.kafka.bootstrap-servers", kafkaBootstrap);
        common.put("voice.admin-key", options.adminKey());
        // services share this JVM's logging: one service stopping must not stop Logback for the others
        common.put("logging.register-shutdown-hook", "false");
        common.put("voice.twilio.account-sid", options.twilioAccountSid());
        common.put("voice.twilio.auth-token", options.twilioAuthToken());
        if (simulators.twilioBaseUrl() != null) {
            common.put("voice.twilio.api-base-url", simulators.twilioBaseUrl());
        }

        register(ConfigApplication.class, config, common, Map.of());
        register(ToolExecutorApplication.class, tools, common, Map.of("voice.tool-secrets.keys", toolSecretsKey));
        Map<String, Object> evaluationOwn = new HashMap<>();
        evaluationOwn.put("voice.evaluation.gateway-url", "http://localhost:" + gateway);
        if (simulators.scriptControlUrl() != null) {
            // synthetic runs script each call at the Twilio simulator; a real deployment leaves this unset
            evaluationOwn.put("voice.evaluation.synthetic.simulator-control-url", simulators.scriptControlUrl());
        }
        register(EvaluationApplication.class, evaluation, common, evaluationOwn);
        register(CallbackApplication.class, callbacks, common, Map.of());
        register(MediaBridgeApplication.class, bridge, common, Map.of(
                "voice.realtime.url", simulators.realtimeUrl(),
                "voice.realtime.api-key", simulators.realtimeApiKey(),
                "voice.bridge.instance-id", "local",
                "voice.tool-secrets.keys", toolSecretsKey));
        String publicBase = options.publicBaseUrl() != null ? options.publicBaseUrl() : "http://localhost:" + gateway;
        register(GatewayApplication.class, gateway, common, Map.of(
                "voice.gateway.public-base-url", publicBase,
                "voice.gateway.bridge-url", "ws://localhost:" + bridge + "/internal/v1/media-stream",
                "voice.gateway.bridge-api-url", "http://localhost:" + bridge,
                "voice.gateway.config-url", "http://localhost:" + config,
                "voice.gateway.evaluation-url", "http://localhost:" + evaluation,
                "voice.gateway.callback-url", "http://localhost:" + callbacks,
                "voice.gateway.media-token-secrets", mediaTokenSecret));
        // one after another: in parallel, JVMs (or contexts) starting on two cores take longer in total
        services.values().forEach(ServiceRun::start);
    }

    private void register(Class<?> application, int port, Map<String, Object> common, Map<String, Object> own) {
        Map<String, Object> properties = new HashMap<>(common);
        properties.putAll(own);
        properties.putAll(settings);
        properties.put("server.port", port);
        if (options.separateProcesses()) {
            // alone in its JVM, a service stops its own logging on the way out (flushing the last lines)
            properties.put("logging.register-shutdown-hook", "true");
        }
        // as command-line arguments: they outrank the service's own file, as an operator's settings would
        String[] args = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        String name = application.getAnnotation(VoiceService.class).name();
        ServiceRun service = options.separateProcesses()
                ? new ChildProcessService(name, application, port, args, serviceLogs())
                : new InProcessService(name, application, port, args);
        services.put(name, service);
    }

    private Path serviceLogs() {
        if (serviceLogs == null) {
            serviceLogs = ServiceProcess.logDirectory();
        }
        return serviceLogs;
    }

    /** One service: how it is started and stopped, and where it runs while it does. */
    private abstract class ServiceRun implements AutoCloseable {
        final String name;
        final int port;

        ServiceRun(String name, int port) {
            this.name = name;
            this.port = port;
        }

        final synchronized void start() {
            if (running()) {
                return;
            }
            long started = System.nanoTime();
            launch();
            running.push(this);
            log.info("{} up on port {} in {} ms{}", name, port, (System.nanoTime() - started) / 1_000_000,
                    where());
        }

        @Override
        public final synchronized void close() {
            if (running()) {
                shutDown();
                running.remove(this);
            }
        }

        abstract boolean running();

        abstract void launch();

        abstract void shutDown();

        abstract String where();

        @Override
        public String toString() {
            return name;
        }
    }

    /** A service in this JVM: its own application context, event loops and connection pools. */
    private final class InProcessService extends ServiceRun {
        private final Class<?> application;
        private final String[] args;
        private volatile ConfigurableApplicationContext context;

        InProcessService(String name, Class<?> application, int port, String[] args) {
            super(name, port);
            this.application = application;
            this.args = args;
        }

        @Override
        boolean running() {
            return context != null;
        }

        @Override
        void launch() {
            context = new SpringApplicationBuilder(application)
                    .registerShutdownHook(false)
                    .initializers(LocalStack::ownNettyResources)
                    .run(args);
        }

        @Override
        void shutDown() {
            context.close();
            context = null;
        }

        @Override
        String where() {
            return "";
        }
    }

    /** A service in a JVM of its own, as it is deployed; stopping it is a SIGTERM and its graceful shutdown. */
    private final class ChildProcessService extends ServiceRun {
        private final ServiceProcess.Spec spec;
        private volatile ServiceProcess process;

        ChildProcessService(String name, Class<?> application, int port, String[] args, Path logs) {
            super(name, port);
            this.spec = new ServiceProcess.Spec(name, application.getName(), port, List.of(args),
                    options.serviceJavaOptions(), logs.resolve(name + ".log"));
        }

        @Override
        boolean running() {
            return process != null;
        }

        @Override
        void launch() {
            process = ServiceProcess.start(spec);
        }

        @Override
        void shutDown() {
            process.stop();
            process = null;
        }

        /** Fault drill: the process is killed (SIGKILL), nothing drains. */
        synchronized void kill() {
            if (process != null) {
                process.kill();
                process = null;
                running.remove(this);
            }
        }

        @Override
        String where() {
            return ", pid " + process.pid() + ", log " + spec.log();
        }
    }

    /**
     * Each service gets its own Reactor Netty event loops and connection pool: with the default (global) resources,
     * closing one service's context would dispose the loops every other service in this JVM is using.
     */
    private static void ownNettyResources(ConfigurableApplicationContext context) {
        ((GenericApplicationContext) context).registerBean("reactorResourceFactory", ReactorResourceFactory.class,
                () -> {
                    ReactorResourceFactory resources = new ReactorResourceFactory();
                    resources.setUseGlobalResources(false);
                    // the server has drained by the time these go: no quiet period (Netty's default is 2 s) to wait out
                    resources.setShutdownQuietPeriod(java.time.Duration.ZERO);
                    return resources;
                });
    }

    /** Fault drill: shuts the broker down, keeping its log directory (records and committed offsets). */
    public void stopKafka() {
        broker.stop();
    }

    /** Brings the broker back on the same port and log directory. */
    public void startKafka() {
        broker.restart();
    }

    /** Fault drill: stops the embedded PostgreSQL (connections are cut), keeping its data. */
    public void stopDatabase() {
        embeddedPostgres().stop();
    }

    /** Starts the embedded PostgreSQL again on the same port and data. */
    public void startDatabase() {
        embeddedPostgres().restart();
    }

    private RestartablePostgres embeddedPostgres() {
        if (postgres == null) {
            throw new IllegalStateException("the database is external (VOICE_DB_URL); it cannot be stopped from here");
        }
        return postgres;
    }

    /**
     * Fault drill: stops a service — closes its application context, or with separate processes sends its JVM a
     * SIGTERM and waits for its graceful shutdown.
     */
    public void stopService(String name) {
        service(name).close();
    }

    /** Fault drill with separate processes: kills a service's JVM outright (SIGKILL), as a crash would. */
    public void killService(String name) {
        if (!(service(name) instanceof ChildProcessService child)) {
            throw new IllegalStateException(name + " runs in this JVM; only a service in its own process can be killed");
        }
        child.kill();
    }

    /** Starts a stopped service again with the same settings on the same port. */
    public void startService(String name) {
        service(name).start();
    }

    /**
     * The running context of a service in this JVM (e.g. {@code gateway-service}); empty while it is stopped or
     * when it runs in its own process.
     */
    public java.util.Optional<ConfigurableApplicationContext> context(String name) {
        return service(name) instanceof InProcessService local
                ? java.util.Optional.ofNullable(local.context) : java.util.Optional.empty();
    }

    /** The process of a service that runs in its own JVM; empty while it is stopped or when it shares this JVM. */
    public java.util.Optional<ProcessHandle> process(String name) {
        return service(name) instanceof ChildProcessService child && child.process != null
                ? java.util.Optional.of(child.process.handle()) : java.util.Optional.empty();
    }

    /** The services by name, in the order they started. */
    public java.util.Set<String> serviceNames() {
        return java.util.Collections.unmodifiableSet(services.keySet());
    }

    /** Where the services in their own processes write their logs; null when they share this JVM. */
    public Path serviceLogDirectory() {
        return serviceLogs;
    }

    private ServiceRun service(String name) {
        ServiceRun service = services.get(name);
        if (service == null) {
            throw new IllegalArgumentException("no service " + name + "; running: " + services.keySet());
        }
        return service;
    }

    private int port(String name, int fixed) {
        int port = options.fixedPorts() ? fixed : FreePorts.pick();
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

    /**
     * Stops everything in reverse order of starting. The services stop together (each drains on its own, none waits
     * for another's shutdown), then the simulators, the database and the broker they used.
     */
    @Override
    public synchronized void close() {
        while (!running.isEmpty()) {
            List<AutoCloseable> batch = new ArrayList<>();
            batch.add(running.pop());
            while (batch.get(0) instanceof ServiceRun && running.peek() instanceof ServiceRun) {
                batch.add(running.pop());
            }
            together("stop", batch, next -> {
                try {
                    next.close();
                } catch (Exception e) {
                    log.warn("could not stop {}", next, e);
                }
            });
        }
    }

    /** Runs the action on each item, each on a thread of its own, until all are done; rethrows the first failure. */
    private static <T> void together(String what, Collection<? extends T> items, Consumer<T> action) {
        if (items.size() == 1) {
            action.accept(items.iterator().next());
            return;
        }
        List<RuntimeException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = items.stream().map(item -> new Thread(() -> {
            try {
                action.accept(item);
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }, "local-stack-" + what + "-" + item)).toList();
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
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
}
