package dev.voiceagent.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.bridge.MediaBridgeApplication;
import dev.voiceagent.callbacks.CallbackApplication;
import dev.voiceagent.config.ConfigApplication;
import dev.voiceagent.evaluation.EvaluationApplication;
import dev.voiceagent.gateway.GatewayApplication;
import dev.voiceagent.support.VoiceService;
import dev.voiceagent.support.VoiceServiceEnvironmentPostProcessor;
import dev.voiceagent.tools.ToolExecutorApplication;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.StandardEnvironment;
import org.yaml.snakeyaml.Yaml;

/**
 * What can be checked of {@code deploy/} without a Docker engine or a cluster: compose and every manifest parse
 * as YAML, every service appears under its own name with the port its {@link VoiceService} declares, probes and
 * health checks use the paths the platform defaults serve, references (images, Services, ConfigMaps, Secrets,
 * HPA and PDB targets, kustomization resources and patches) resolve. {@code docker build} and
 * {@code kubectl apply} themselves cannot run here.
 */
class DeploymentManifestsTest {

    private static final Path DEPLOY = Path.of("..", "deploy").normalize();
    private static final Set<String> PROBE_PATHS = Set.of("/health/live", "/health/ready");
    /** The bridge's headless Service: its DNS records are the ready bridge pods the gateway chooses among. */
    private static final String BRIDGE_PODS = "media-bridge-headless";

    /** Name to port, from the annotations the services themselves carry. */
    private static Map<String, Integer> services;

    @BeforeAll
    static void readServices() {
        services = new LinkedHashMap<>();
        Stream.of(GatewayApplication.class, ConfigApplication.class, MediaBridgeApplication.class,
                        ToolExecutorApplication.class, EvaluationApplication.class, CallbackApplication.class)
                .map(type -> type.getAnnotation(VoiceService.class))
                .forEach(service -> services.put(service.name(), service.port()));
        assertThat(services.values()).containsExactlyInAnyOrder(8080, 8081, 8082, 8083, 8084, 8085);
    }

    @Test
    void theProbePathsAreWhatThePlatformDefaultsServe() {
        StandardEnvironment env = new StandardEnvironment();
        new VoiceServiceEnvironmentPostProcessor().postProcessEnvironment(env, new SpringApplication(GatewayApplication.class));
        assertThat(env.getProperty("management.endpoints.web.base-path")).isEqualTo("/");
        assertThat(env.getProperty("management.endpoint.health.group.live.include")).isNotBlank();
        assertThat(env.getProperty("management.endpoint.health.group.ready.include")).isNotBlank();
        assertThat(env.getProperty("management.endpoints.web.path-mapping.prometheus")).isEqualTo("metrics");
        assertThat(env.getProperty("server.shutdown")).isEqualTo("graceful");
    }

    @Test
    void theDockerfileBuildsAnyServiceAsANonRootUserWithContainerJvmSettings() throws IOException {
        String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile"));
        assertThat(dockerfile).contains("ARG SERVICE", "FROM ${JAVA_IMAGE}", "eclipse-temurin:17-jre",
                "${SERVICE}/target/${SERVICE}-${VERSION}-exec.jar", "USER 10001", "-XX:MaxRAMPercentage=75",
                "-XX:+ExitOnOutOfMemoryError", "HEALTHCHECK", "/health/live");
        for (String script : List.of("healthcheck.sh", "drain.sh")) {
            assertThat(DEPLOY.resolve(script)).isRegularFile().isExecutable();
            assertThat(dockerfile).contains("deploy/" + script);
        }
    }

    @Test
    void composeRunsEveryServiceOnItsPortBehindHealthyInfrastructure() throws IOException {
        Map<String, Object> compose = map(load(DEPLOY.resolve("docker-compose.yml")).get(0));
        Map<String, Object> all = map(compose.get("services"));
        assertThat(all).containsKeys("kafka", "postgres", "jaeger");
        assertThat(string(map(all.get("kafka")).get("image"))).startsWith("apache/kafka:");
        assertThat(map(map(all.get("jaeger")).get("environment"))).containsEntry("COLLECTOR_OTLP_ENABLED", "true");

        services.forEach((name, port) -> {
            Map<String, Object> service = map(all.get(name));
            assertThat(service).as(name).isNotNull();
            Map<String, Object> args = map(map(service.get("build")).get("args"));
            assertThat(args).as(name).containsEntry("SERVICE", name).containsEntry("PORT", String.valueOf(port));
            assertThat(string(service.get("image"))).as(name).startsWith("voiceagent/" + name + ":");
            assertThat(list(service.get("ports"))).as(name).contains(port + ":" + port);
            assertThat(list(map(service.get("healthcheck")).get("test")).toString()).as(name)
                    .containsAnyOf("/health/ready", "/health/live");
            assertThat(map(map(map(service.get("deploy")).get("resources")).get("limits"))).as(name)
                    .containsKey("memory");
            Map<String, Object> dependsOn = map(service.get("depends_on"));
            assertThat(dependsOn).as(name).containsKeys("kafka", "postgres");
            dependsOn.forEach((dependency, condition) -> {
                assertThat(all).as(name + " depends on " + dependency).containsKey(dependency);
                if (!dependency.equals("jaeger")) {
                    assertThat(map(condition)).as(name + " on " + dependency)
                            .containsEntry("condition", "service_healthy");
                }
            });
            Map<String, Object> env = map(service.get("environment"));
            assertThat(env).as(name).containsEntry("SPRING_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
                    .containsEntry("VOICE_DATABASE_HOST", "postgres")
                    .containsEntry("MANAGEMENT_TRACING_EXPORT_OTLP_ENABLED", "true");
            assertThat(string(env.get("MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT")))
                    .as(name).startsWith("http://jaeger:4318/");
            assertUrlsNameServices(name, env, all.keySet());
        });
    }

    @Test
    void kubernetesBaseDeploysEveryServiceWithProbesDrainAndDisruptionBudget() throws IOException {
        Path base = DEPLOY.resolve("k8s/base");
        List<Map<String, Object>> docs = kustomizationDocuments(base);
        Map<String, Map<String, Object>> deployments = byName(docs, "Deployment");
        Map<String, Map<String, Object>> k8sServices = byName(docs, "Service");
        Map<String, Map<String, Object>> configMaps = byName(docs, "ConfigMap");
        assertThat(deployments.keySet()).containsExactlyInAnyOrderElementsOf(services.keySet());
        // one Service per service, and the bridge's headless one, whose DNS records are its ready pods
        assertThat(k8sServices.keySet()).containsAll(services.keySet()).contains(BRIDGE_PODS)
                .hasSize(services.size() + 1);
        assertThat(byName(docs, "PodDisruptionBudget").keySet()).containsExactlyInAnyOrderElementsOf(services.keySet());

        services.forEach((name, port) -> {
            Map<String, Object> podSpec = map(map(map(deployments.get(name)).get("spec")).get("template"));
            Map<String, Object> labels = map(map(podSpec.get("metadata")).get("labels"));
            Map<String, Object> spec = map(podSpec.get("spec"));
            Map<String, Object> container = map(list(spec.get("containers")).get(0));
            assertThat(string(container.get("image"))).as(name).startsWith("voiceagent/" + name + ":");
            assertThat(map(list(container.get("ports")).get(0))).as(name)
                    .containsEntry("containerPort", port).containsEntry("name", "http");
            assertThat(probePath(container, "livenessProbe")).as(name).isEqualTo("/health/live");
            assertThat(probePath(container, "readinessProbe")).as(name).isEqualTo("/health/ready");
            assertThat(PROBE_PATHS).as(name).contains(probePath(container, "startupProbe"));
            assertThat(map(map(container.get("resources")).get("requests"))).as(name).containsKeys("cpu", "memory");
            assertThat(map(map(container.get("resources")).get("limits"))).as(name).containsKey("memory");
            List<Object> preStop = list(map(map(map(container.get("lifecycle")).get("preStop")).get("exec")).get("command"));
            assertThat(preStop.get(0)).as(name).isEqualTo("/app/drain.sh");
            int drainSeconds = Integer.parseInt(string(preStop.get(2)));
            assertThat((Integer) spec.get("terminationGracePeriodSeconds")).as(name)
                    .isGreaterThanOrEqualTo(drainSeconds + 25);
            assertThat(envValue(container, "SERVER_PORT")).as(name).isEqualTo(String.valueOf(port));
            list(container.get("envFrom")).forEach(from -> assertThat(configMaps)
                    .containsKey(string(map(map(from).get("configMapRef")).get("name"))));
            secretRefs(container).forEach(ref -> assertThat(ref.get("name")).as(name).isEqualTo("voice-secrets"));

            Map<String, Object> service = map(k8sServices.get(name).get("spec"));
            assertThat(map(service.get("selector"))).as(name).isEqualTo(labels);
            assertThat(map(list(service.get("ports")).get(0))).as(name)
                    .containsEntry("port", port).containsEntry("targetPort", "http");
            assertUrlsNameServices(name, envValues(container), k8sServices.keySet());
        });

        // the gateway sends a call's pre-warm and stream to the pod it chooses among the headless Service's records
        Map<String, Object> headless = map(k8sServices.get(BRIDGE_PODS).get("spec"));
        assertThat(headless).containsEntry("clusterIP", "None");
        assertThat(headless.get("publishNotReadyAddresses")).as("a full bridge reports not ready: out of DNS")
                .isIn(null, false);
        assertThat(map(headless.get("selector"))).isEqualTo(map(map(map(map(deployments.get("media-bridge-service")
                .get("spec")).get("template")).get("metadata")).get("labels")));
        Map<String, Object> gateway = map(list(map(map(map(map(deployments.get("gateway-service").get("spec"))
                .get("template")).get("spec"))).get("containers")).get(0));
        assertThat(envValue(gateway, "VOICE_BRIDGE_DISCOVERY_HOST")).isEqualTo(BRIDGE_PODS);

        Map<String, Object> hpa = map(byName(docs, "HorizontalPodAutoscaler").get("media-bridge-service").get("spec"));
        assertThat(map(hpa.get("scaleTargetRef"))).containsEntry("kind", "Deployment")
                .containsEntry("name", "media-bridge-service");
        byName(docs, "PodDisruptionBudget").forEach((name, pdb) -> assertThat(
                map(map(map(pdb.get("spec")).get("selector")).get("matchLabels"))).as(name)
                .isEqualTo(map(map(map(map(deployments.get(name).get("spec")).get("template")).get("metadata")).get("labels"))));
    }

    @Test
    void exampleOverlayResolvesAgainstTheBase() throws IOException {
        Path overlay = DEPLOY.resolve("k8s/overlays/example");
        Map<String, Object> kustomization = map(load(overlay.resolve("kustomization.yaml")).get(0));
        List<Map<String, Object>> docs = kustomizationDocuments(overlay);
        Map<String, Map<String, Object>> deployments = byName(docs, "Deployment");
        assertThat(deployments.keySet()).containsExactlyInAnyOrderElementsOf(services.keySet());

        Set<String> images = list(kustomization.get("images")).stream().map(image -> string(map(image).get("name")))
                .collect(Collectors.toSet());
        assertThat(images).containsExactlyInAnyOrderElementsOf(
                services.keySet().stream().map(name -> "voiceagent/" + name).toList());

        Properties secrets = new Properties();
        for (Object generator : list(kustomization.get("secretGenerator"))) {
            assertThat(map(generator)).containsEntry("name", "voice-secrets");
            for (Object file : list(map(generator).get("envs"))) {
                try (Reader reader = Files.newBufferedReader(overlay.resolve(string(file)))) {
                    secrets.load(reader);
                }
            }
        }
        deployments.values().forEach(deployment -> {
            Map<String, Object> container = map(list(map(map(map(deployment.get("spec")).get("template"))
                    .get("spec")).get("containers")).get(0));
            secretRefs(container).forEach(ref -> assertThat(secrets).as("secret key").containsKey(ref.get("key")));
        });

        Set<String> kinds = docs.stream().map(doc -> doc.get("kind") + "/" + name(doc)).collect(Collectors.toSet());
        for (Object patch : list(kustomization.get("patches"))) {
            Map<String, Object> target = map(map(patch).get("target"));
            assertThat(kinds).as("patch target").contains(target.get("kind") + "/" + target.get("name"));
        }
        for (Object generator : list(kustomization.get("configMapGenerator"))) {
            assertThat(byName(docs, "ConfigMap")).containsKey(string(map(generator).get("name")));
        }
    }

    /** Every document a kustomization pulls in, following directory resources; fails on a missing resource. */
    private static List<Map<String, Object>> kustomizationDocuments(Path dir) throws IOException {
        Path file = dir.resolve("kustomization.yaml");
        assertThat(file).isRegularFile();
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object resource : list(map(load(file).get(0)).get("resources"))) {
            Path path = dir.resolve(string(resource)).normalize();
            assertThat(path).as("resource of " + file).exists();
            if (Files.isDirectory(path)) {
                docs.addAll(kustomizationDocuments(path));
            } else {
                load(path).forEach(doc -> docs.add(map(doc)));
            }
        }
        return docs;
    }

    /** Every URL-valued setting must name a service of the same deployment, on that service's port. */
    private static void assertUrlsNameServices(String owner, Map<String, Object> env, Set<String> known) {
        Pattern url = Pattern.compile("^(?:https?|wss?)://([a-z0-9-]+):(\\d+)(/.*)?$");
        env.forEach((key, value) -> {
            Matcher matcher = url.matcher(String.valueOf(value));
            if (matcher.matches() && services.containsKey(matcher.group(1))) {
                assertThat(known).as(owner + " " + key).contains(matcher.group(1));
                assertThat(Integer.parseInt(matcher.group(2))).as(owner + " " + key)
                        .isEqualTo(services.get(matcher.group(1)));
                assertThat(URI.create(String.valueOf(value))).isNotNull();
            }
        });
    }

    private static String probePath(Map<String, Object> container, String probe) {
        Map<String, Object> httpGet = map(map(container.get(probe)).get("httpGet"));
        assertThat(httpGet.get("port")).isEqualTo("http");
        return string(httpGet.get("path"));
    }

    private static String envValue(Map<String, Object> container, String name) {
        return string(envValues(container).get(name));
    }

    private static Map<String, Object> envValues(Map<String, Object> container) {
        Map<String, Object> values = new LinkedHashMap<>();
        list(container.get("env")).forEach(entry -> values.put(string(map(entry).get("name")), map(entry).get("value")));
        return values;
    }

    private static List<Map<String, Object>> secretRefs(Map<String, Object> container) {
        return list(container.get("env")).stream()
                .map(entry -> map(map(entry).get("valueFrom")).get("secretKeyRef"))
                .filter(Objects::nonNull).map(DeploymentManifestsTest::map).toList();
    }

    private static Map<String, Map<String, Object>> byName(List<Map<String, Object>> docs, String kind) {
        Map<String, Map<String, Object>> named = new LinkedHashMap<>();
        docs.stream().filter(doc -> kind.equals(doc.get("kind"))).forEach(doc -> named.put(name(doc), doc));
        return named;
    }

    private static String name(Map<String, Object> doc) {
        return string(map(doc.get("metadata")).get("name"));
    }

    private static List<Object> load(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file)) {
            List<Object> docs = new ArrayList<>();
            new Yaml().loadAll(reader).forEach(docs::add);
            assertThat(docs).as(file.toString()).isNotEmpty().doesNotContainNull();
            return docs;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value == null ? Map.of() : (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        return value == null ? List.of() : (List<Object>) value;
    }

    private static String string(Object value) {
        return value == null ? null : String.valueOf(value);
    }
}
