package dev.voiceagent.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.CallbackRequested;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.VoiceEvent;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.yaml.snakeyaml.Yaml;

/**
 * Tenant isolation through the gateway, as a matrix: every tenant-scoped route of every service that the gateway
 * serves (read from docs/openapi, so a new route without a case here fails the test) is called with another
 * tenant's key against the resources of the tenant that owns them (a whole call: its call log, log stream,
 * evaluation, callback task and voice session). Each answers 404/401/403 or only the caller's own data, never the
 * owner's identifiers, and leaves the owner's data as it was. Then forged events naming the other tenant and the
 * owner's call go through the topic consumers: the owner's data does not change.
 */
class TenantIsolationE2EIT {

    private static final Path OPENAPI = Path.of("..").toAbsolutePath().normalize().resolve("docs/openapi");
    private static final String RIVAL = "rival";
    private static final String RIVAL_KEY = "rival-key";
    private static final String RIVAL_NUMBER = "+15555550999";
    private static final Set<Integer> REFUSED = Set.of(401, 403, 404);

    private static LocalStack stack;
    private static WebTestClient gateway;
    private static String ownerKey;
    private static String callSid;
    private static String callbackTaskId;
    private static String voiceSessionId;

    @BeforeAll
    static void startStackWithACallAndARivalTenant() {
        stack = LocalStack.start(LocalStackOptions.forTests());
        gateway = WebTestClient.bindToServer().baseUrl(stack.gatewayUrl()).responseTimeout(Duration.ofSeconds(15)).build();
        ownerKey = stack.options().tenantApiKey();
        String admin = stack.options().adminKey();
        gateway.put().uri("/api/v1/admin/tenants/" + RIVAL).header("x-admin-key", admin)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"display_name\":\"Rival\",\"phone_numbers\":[\"" + RIVAL_NUMBER + "\"],\"time_zone\":\"UTC\"}")
                .exchange().expectStatus().is2xxSuccessful();
        gateway.post().uri("/api/v1/admin/tenants/" + RIVAL + "/api-keys").header("x-admin-key", admin)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"name\":\"rival\",\"key\":\"" + RIVAL_KEY + "\"}")
                .exchange().expectStatus().is2xxSuccessful();

        callSid = String.valueOf(gateway.post().uri("/api/v1/make-call").header("x-api-key", ownerKey)
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"to\":\"+15555550100\"}")
                .exchange().expectStatus().is2xxSuccessful()
                .expectBody(Map.class).returnResult().getResponseBody().get("call_sid"));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> json(get("/api/v1/call-logs/" + callSid, ownerKey)), log -> log != null
                        && "completed".equals(log.get("status")) && log.get("outcome") != null);
        callbackTaskId = await().atMost(Duration.ofSeconds(30)).until(() -> idOf(
                get("/api/v1/callbacks?status=open", ownerKey), "callbacks", callSid), id -> id != null);
        voiceSessionId = await().atMost(Duration.ofSeconds(30)).until(() -> idOf(
                get("/api/v1/voice-sessions", ownerKey), "sessions", callSid), id -> id != null);
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/api/v1/evaluations/sessions/" + callSid, ownerKey)
                .getStatus().value() == 200);
        for (String probe : List.of("/api/v1/call-logs", "/api/v1/voice-sessions", "/api/v1/callbacks",
                "/api/v1/evaluations/aggregates")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> get(probe, RIVAL_KEY).getStatus().value() == 200);
        }
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    /** One request of the other tenant against the owner's resources, and what it may answer. */
    private record Case(HttpMethod method, String uri, String body, Set<Integer> allowed) {
    }

    @Test
    void everyTenantScopedRouteRefusesAnotherTenantsResourcesAndLeaksNothing() throws IOException {
        Map<String, Case> cases = cases();
        List<String> routes = tenantScopedRoutesServedByTheGateway();
        assertThat(cases.keySet()).as("a case for every tenant-scoped route (add one for a new route)")
                .containsAll(routes);

        Map<String, String> ownerBefore = ownerView();
        List<String> rows = new ArrayList<>();
        for (String route : routes) {
            Case c = cases.get(route);
            EntityExchangeResult<byte[]> result = gateway.method(c.method()).uri(c.uri())
                    .header("x-api-key", RIVAL_KEY)
                    .contentType(c.body() != null && c.body().contains("=") && !c.body().startsWith("{")
                            ? MediaType.APPLICATION_FORM_URLENCODED : MediaType.APPLICATION_JSON)
                    .bodyValue(c.body() == null ? "" : c.body())
                    .exchange().expectBody().returnResult();
            int status = result.getStatus().value();
            String body = result.getResponseBody() == null ? "" : new String(result.getResponseBody());
            rows.add(route + " -> " + status);
            assertThat(c.allowed()).as(route + " answered " + status + ": " + body).contains(status);
            // an identifier the request itself named may be echoed back (a 404's detail); nothing else of the owner's
            String asked = c.uri() + " " + (c.body() == null ? "" : c.body());
            List<String> owners = List.of(callSid, callbackTaskId, voiceSessionId, "Demo Bank", "+15555550100");
            assertThat(body).as(route + " leaks the owner's data")
                    .doesNotContain(owners.stream().filter(id -> !asked.contains(id)).toArray(String[]::new));
        }
        assertThat(ownerView()).as("the owner's data after the other tenant's requests").isEqualTo(ownerBefore);
        System.out.println("TENANT ISOLATION " + routes.size() + " routes: " + rows);
    }

    @Test
    void eventsNamingAnotherTenantNeverChangeTheOwnersData() throws Exception {
        Map<String, String> ownerBefore = ownerView();
        String forgedCallback = UUID.randomUUID().toString();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            send(producer, Topics.OUTCOMES, new SessionOutcome(Outcome.FAILED, "forged", "default-v1", "+15555550100",
                    Instant.now(), Instant.now(), 1, null, 0, 0, 0, List.of(), "forged", "forged outcome"));
            send(producer, Topics.CALLBACKS, new CallbackRequested(forgedCallback, "forged", "high", "+15555550100",
                    null, "forged-tool-call"));
            producer.flush();
        }
        // the callback service has read the forged request once the rival's own queue shows it (it is the rival's
        // event, so the rival's task); the outcome went to the other consumers in the same seconds
        String rivalQueue = await().atMost(Duration.ofSeconds(20)).until(
                () -> new String(get("/api/v1/callbacks?status=open", RIVAL_KEY).getResponseBody()),
                queue -> queue.contains(forgedCallback));
        await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
        assertThat(rivalQueue).doesNotContain(callbackTaskId);
        assertThat(ownerView()).as("the owner's data after events naming another tenant").isEqualTo(ownerBefore);
    }

    // ---- the matrix -----------------------------------------------------------------------------------------

    /** "METHOD path" of every operation that takes a tenant or admin key and that the gateway serves. */
    private static List<String> tenantScopedRoutesServedByTheGateway() throws IOException {
        List<String> gatewayPaths = new ArrayList<>(paths("gateway-service.yaml").keySet());
        Set<String> routes = new TreeSet<>();
        try (var files = Files.list(OPENAPI)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                paths(file.getFileName().toString()).forEach((path, operations) -> operations.forEach((method, op) -> {
                    List<?> security = (List<?>) ((Map<?, ?>) op).get("security");
                    boolean keyed = security != null && security.stream().anyMatch(s -> ((Map<?, ?>) s)
                            .containsKey("tenantKey") || ((Map<?, ?>) s).containsKey("adminKey"));
                    if (keyed && !path.endsWith("/**") && served(gatewayPaths, path)) {
                        routes.add(method.toUpperCase() + " " + path);
                    }
                }));
            }
        }
        return List.copyOf(routes);
    }

    private static boolean served(List<String> gatewayPaths, String path) {
        return gatewayPaths.stream().anyMatch(g -> g.equals(path)
                || g.endsWith("/**") && path.startsWith(g.substring(0, g.length() - 2)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> paths(String file) throws IOException {
        try (Reader reader = Files.newBufferedReader(OPENAPI.resolve(file))) {
            Map<String, Object> document = new Yaml().load(reader);
            return (Map<String, Map<String, Object>>) document.get("paths");
        }
    }

    /** The other tenant's request per route: against the owner's call, task and session where the route names one. */
    private static Map<String, Case> cases() throws IOException {
        Map<String, Case> cases = new LinkedHashMap<>();
        Set<Integer> own = Set.of(200);
        Set<Integer> ownWrite = Set.of(200, 201, 202, 204, 400, 404, 409, 422);
        String task = "/api/v1/callbacks/" + callbackTaskId;
        cases.put("GET /api/v1/call-logs", new Case(HttpMethod.GET, "/api/v1/call-logs?limit=200", null, own));
        cases.put("GET /api/v1/call-logs/{call_sid}", new Case(HttpMethod.GET, "/api/v1/call-logs/" + callSid, null, REFUSED));
        cases.put("GET /api/v1/calls/{call_sid}/logs/stream",
                new Case(HttpMethod.GET, "/api/v1/calls/" + callSid + "/logs/stream", null, REFUSED));
        cases.put("POST /api/v1/make-call", new Case(HttpMethod.POST, "/api/v1/make-call",
                "{\"to\":\"+15555550100\",\"from\":\"" + stack.options().tenantNumber() + "\"}", Set.of(400, 422)));
        cases.put("GET /api/v1/active-sessions", new Case(HttpMethod.GET, "/api/v1/active-sessions", null, own));
        cases.put("GET /api/v1/voice-sessions", new Case(HttpMethod.GET, "/api/v1/voice-sessions?limit=200", null, own));
        cases.put("GET /api/v1/voice-sessions/{id}",
                new Case(HttpMethod.GET, "/api/v1/voice-sessions/" + voiceSessionId, null, REFUSED));
        cases.put("GET /api/v1/callbacks", new Case(HttpMethod.GET, "/api/v1/callbacks?limit=200", null, own));
        cases.put("GET /api/v1/callbacks/{id}", new Case(HttpMethod.GET, task, null, REFUSED));
        // a body refused before the ownership check reveals nothing either; the owner's view is compared afterwards
        Set<Integer> refusedOrInvalid = Set.of(400, 401, 403, 404, 422);
        for (String action : List.of("cancel", "claim", "complete", "reassign")) {
            cases.put("POST /api/v1/callbacks/{id}/" + action, new Case(HttpMethod.POST, task + "/" + action,
                    "{\"owner\":\"mallory\"}", refusedOrInvalid));
        }
        cases.put("GET /api/v1/callbacks/webhook-events",
                new Case(HttpMethod.GET, "/api/v1/callbacks/webhook-events", null, own));
        String webhookEvent = "/api/v1/callbacks/webhook-events/" + UUID.randomUUID();
        cases.put("GET /api/v1/callbacks/webhook-events/{eventId}", new Case(HttpMethod.GET, webhookEvent, null, REFUSED));
        cases.put("POST /api/v1/callbacks/webhook-events/{eventId}/redeliver",
                new Case(HttpMethod.POST, webhookEvent + "/redeliver", null, REFUSED));
        cases.put("GET /api/v1/evaluations/sessions/{call_sid}",
                new Case(HttpMethod.GET, "/api/v1/evaluations/sessions/" + callSid, null, REFUSED));
        cases.put("GET /api/v1/evaluations/aggregates", new Case(HttpMethod.GET, "/api/v1/evaluations/aggregates", null, own));
        cases.put("GET /api/v1/evaluations/failures", new Case(HttpMethod.GET, "/api/v1/evaluations/failures", null, own));
        cases.put("POST /api/v1/evaluations/regressions",
                new Case(HttpMethod.POST, "/api/v1/evaluations/regressions", "{}", ownWrite));
        cases.put("GET /api/v1/evaluations/synthetic-runs/{run_id}", new Case(HttpMethod.GET,
                "/api/v1/evaluations/synthetic-runs/" + UUID.randomUUID(), null, REFUSED));
        String agent = "/api/v1/evaluations/agents/default";
        cases.put("GET /api/v1/evaluations/agents/{agent_key}/gates", new Case(HttpMethod.GET, agent + "/gates", null,
                Set.of(200, 404)));
        cases.put("PUT /api/v1/evaluations/agents/{agent_key}/gates", new Case(HttpMethod.PUT, agent + "/gates", "{}", ownWrite));
        cases.put("GET /api/v1/evaluations/agents/{agent_key}/scenarios", new Case(HttpMethod.GET, agent + "/scenarios",
                null, Set.of(200, 404)));
        cases.put("PUT /api/v1/evaluations/agents/{agent_key}/scenarios",
                new Case(HttpMethod.PUT, agent + "/scenarios", "{}", ownWrite));
        String version = agent + "/versions/default-v1";
        cases.put("GET /api/v1/evaluations/agents/{agent_key}/versions/{version}/gate-evaluations",
                new Case(HttpMethod.GET, version + "/gate-evaluations", null, Set.of(200, 404)));
        cases.put("POST /api/v1/evaluations/agents/{agent_key}/versions/{version}/gate-evaluations",
                new Case(HttpMethod.POST, version + "/gate-evaluations", "{}", ownWrite));
        cases.put("GET /api/v1/evaluations/agents/{agent_key}/versions/{version}/synthetic-runs/{run_id}",
                new Case(HttpMethod.GET, version + "/synthetic-runs/" + UUID.randomUUID(), null, REFUSED));
        cases.put("POST /api/v1/evaluations/agents/{agent_key}/versions/{version}/synthetic-runs",
                new Case(HttpMethod.POST, version + "/synthetic-runs", "{}", ownWrite));
        // the admin API takes only the admin key: a tenant key, even for its own tenant, opens nothing
        for (String route : tenantScopedRoutesServedByTheGateway()) {
            if (route.contains(" /api/v1/admin/")) {
                String method = route.substring(0, route.indexOf(' '));
                String uri = route.substring(route.indexOf(' ') + 1).replace("{tenant_id}", "demo")
                        .replace("{agent_key}", "default").replace("{version_id}", "default-v1")
                        .replace("{key}", "support_default").replace("{version}", "1").replace("{key_id}", "x")
                        .replace("{number}", "+15555550199");
                cases.put(route, new Case(HttpMethod.valueOf(method), uri,
                        "GET".equals(method) || "DELETE".equals(method) ? null : "{}", REFUSED));
            }
        }
        return cases;
    }

    /** What the owner sees of its call, task, session and evaluation. */
    private static Map<String, String> ownerView() {
        Map<String, String> view = new LinkedHashMap<>();
        for (String uri : List.of("/api/v1/call-logs/" + callSid, "/api/v1/callbacks/" + callbackTaskId,
                "/api/v1/voice-sessions/" + voiceSessionId, "/api/v1/evaluations/sessions/" + callSid,
                "/api/v1/callbacks?status=open", "/api/v1/evaluations/agents/default/gates",
                "/api/v1/evaluations/agents/default/scenarios")) {
            EntityExchangeResult<byte[]> result = get(uri, ownerKey);
            view.put(uri, result.getStatus().value() + " " + (result.getResponseBody() == null ? ""
                    : new String(result.getResponseBody())));
        }
        return view;
    }

    private static void send(KafkaProducer<String, String> producer, String topic, VoiceEvent event) throws Exception {
        EventEnvelope<VoiceEvent> envelope = EventEnvelope.of("isolation-test", RIVAL, callSid, event);
        producer.send(new ProducerRecord<>(topic, callSid, EventCodec.encode(envelope))).get();
    }

    private static EntityExchangeResult<byte[]> get(String uri, String key) {
        return gateway.get().uri(uri).header("x-api-key", key).exchange().expectBody().returnResult();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(EntityExchangeResult<byte[]> result) {
        if (result.getStatus().value() != 200 || result.getResponseBody() == null) {
            return null;
        }
        return EventCodec.mapper().readValue(result.getResponseBody(), Map.class);
    }

    /** The id of the first item in {@code listField} whose {@code call_sid} is {@code sid}. */
    @SuppressWarnings("unchecked")
    private static String idOf(EntityExchangeResult<byte[]> result, String listField, String sid) {
        Map<String, Object> body = json(result);
        if (body == null || !(body.get(listField) instanceof List<?> items)) {
            return null;
        }
        return items.stream().map(item -> (Map<String, Object>) item)
                .filter(item -> sid.equals(item.get("call_sid")))
                .map(item -> String.valueOf(item.get("id"))).findFirst().orElse(null);
    }
}
