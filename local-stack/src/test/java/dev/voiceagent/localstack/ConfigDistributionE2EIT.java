package dev.voiceagent.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.testkit.infra.FreePorts;
import dev.voiceagent.contracts.SessionEvents.SessionStarted;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.gateway.GatewayApplication;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.realtime.ObservedSession;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Issue 3's distribution promises, on the whole suite: the documented runtime-config request works through the
 * gateway; a change reaches the gateway's and the bridge's in-memory views within a second; a call in progress keeps
 * the agent version it started with while new calls take the promoted one; a newly started instance rebuilds the
 * views from the compacted topic before it reports ready.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConfigDistributionE2EIT {

    private static final String DOCUMENTED_BODY =
            "{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"support_default\"}";

    private static LocalStack stack;
    private static TopicRecorder topics;
    private static WebTestClient gateway;

    @BeforeAll
    static void startStack() {
        stack = LocalStack.start(LocalStackOptions.forTests());
        topics = new TopicRecorder(stack.kafkaBootstrapServers());
        gateway = WebTestClient.bindToServer().baseUrl(stack.gatewayUrl()).responseTimeout(Duration.ofSeconds(15))
                .build();
    }

    @AfterAll
    static void stopStack() {
        if (topics != null) {
            topics.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void theDocumentedAdminRequestWorksThroughTheGatewayAndABadKeyChangesNothing() {
        String path = "/api/v1/admin/tenants/demo/runtime-config";
        gateway.put().uri(path).header("x-admin-key", stack.options().adminKey())
                .contentType(MediaType.APPLICATION_JSON).bodyValue(DOCUMENTED_BODY)
                .exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.voice").isEqualTo("alloy").jsonPath("$.system_prompt_key").isEqualTo("support_default");

        String changed = DOCUMENTED_BODY.replace("alloy", "verse");
        gateway.put().uri(path).header("x-admin-key", "not-the-admin-key")
                .contentType(MediaType.APPLICATION_JSON).bodyValue(changed)
                .exchange().expectStatus().isForbidden()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        gateway.put().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(changed)
                .exchange().expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        gateway.put().uri(path).header("x-admin-key", stack.options().adminKey())
                .contentType(MediaType.APPLICATION_JSON).bodyValue(DOCUMENTED_BODY.replace("alloy", "robot"))
                .exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("voice");

        gateway.get().uri(path).header("x-admin-key", stack.options().adminKey())
                .exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.voice").isEqualTo("alloy").jsonPath("$.model").isEqualTo("gpt-realtime");
    }

    @Test
    @Order(2)
    void aCallInProgressKeepsItsVersionWhileTheChangeReachesNewCallsWithinASecond() {
        admin(HttpMethod.PUT, "/agents/support", """
                {"intents":[
                  {"name":"dispute","class":"resolvable","tools":["lookup","callback","sms"]},
                  {"name":"complaint","class":"must_transfer","tools":["escalation"]}],
                 "handoff":{"targets":[{"name":"care","phone_number":"+15555550199"}]}}""").expectStatus().isOk();
        admin(HttpMethod.POST, "/agents/support/versions", "{\"note\":\"alloy\"}").expectStatus().isCreated()
                .expectBody().jsonPath("$.agent_version_id").isEqualTo("support-v1");
        admin(HttpMethod.PUT, "/runtime-config", DOCUMENTED_BODY.replace("alloy", "verse")).expectStatus().isOk();
        admin(HttpMethod.POST, "/agents/support/versions", "{\"note\":\"verse\"}").expectStatus().isCreated()
                .expectBody().jsonPath("$.agent_version_id").isEqualTo("support-v2");
        admin(HttpMethod.PUT, "/agents/support/rollout",
                "{\"splits\":[{\"agent_version_id\":\"support-v1\",\"percent\":100}]}").expectStatus().isOk();
        TenantDirectory gatewayView = directory("gateway-service");
        TenantDirectory bridgeView = directory("media-bridge-service");
        await().atMost(Duration.ofSeconds(10)).until(() -> served(gatewayView).equals("support-v1")
                && served(bridgeView).equals("support-v1"));

        String first = makeCall();
        SessionStarted firstStarted = sessionStarted(first);
        assertThat(firstStarted.agentVersionId()).isEqualTo("support-v1");
        assertThat(firstStarted.voice()).isEqualTo("alloy");

        admin(HttpMethod.PUT, "/agents/support/versions/support-v2/gate-result", "{\"passed\":true,\"score\":0.95}")
                .expectStatus().isOk();
        long promoted = System.nanoTime();
        admin(HttpMethod.POST, "/agents/support/rollout/promote", "{\"agent_version_id\":\"support-v2\"}")
                .expectStatus().isOk();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> served(gatewayView).equals("support-v2") && served(bridgeView).equals("support-v2"));
        long reachedMs = (System.nanoTime() - promoted) / 1_000_000;
        System.out.printf("config change reached the gateway and bridge views in %d ms%n", reachedMs);
        assertThat(reachedMs).as("promotion visible to new calls").isLessThan(1_000);
        assertThat(outcome(first)).as("the first call was still in progress when the promotion landed").isEmpty();

        String second = makeCall();
        SessionStarted secondStarted = sessionStarted(second);
        assertThat(secondStarted.agentVersionId()).isEqualTo("support-v2");
        assertThat(secondStarted.voice()).isEqualTo("verse");

        SessionOutcome firstOutcome = await().atMost(Duration.ofSeconds(60)).until(() -> outcome(first),
                Optional::isPresent).orElseThrow();
        assertThat(firstOutcome.agentVersionId()).isEqualTo("support-v1");
        ObservedSession firstModelSession = stack.simulators().realtime().sessions().stream()
                .filter(s -> s.events("session.update").stream().anyMatch(e -> e.matches(voice("alloy"))))
                .findFirst().orElseThrow();
        assertThat(firstModelSession.events("session.update")).as("no mid-call switch to the new voice")
                .noneMatch(update -> update.matches(voice("verse")));
        await().atMost(Duration.ofSeconds(60)).until(() -> outcome(second).isPresent());
        assertThat(outcome(second).orElseThrow().agentVersionId()).isEqualTo("support-v2");
    }

    @Test
    @Order(3)
    void aNewlyStartedInstanceRebuildsTheViewsFromTheTopicBeforeItIsReady() {
        TenantDirectory running = directory("gateway-service");
        long publishedBeforeStart = running.byId("demo").orElseThrow().revision();
        int port = FreePorts.pick();
        Map<String, Object> properties = new HashMap<>(stack.database().serviceProperties());
        properties.put("spring.kafka.bootstrap-servers", stack.kafkaBootstrapServers());
        properties.put("voice.admin-key", stack.options().adminKey());
        properties.put("voice.twilio.account-sid", stack.options().twilioAccountSid());
        properties.put("voice.twilio.auth-token", stack.options().twilioAuthToken());
        properties.put("voice.twilio.api-base-url", stack.simulators().twilioBaseUrl());
        properties.put("voice.gateway.public-base-url", "http://localhost:" + port);
        properties.put("voice.gateway.bridge-url", "ws://localhost:" + stack.ports().get("media-bridge-service")
                + "/internal/v1/media-stream");
        properties.put("voice.gateway.config-url", stack.url("config-service"));
        properties.put("voice.gateway.evaluation-url", stack.url("evaluation-service"));
        properties.put("voice.gateway.callback-url", stack.url("callback-service"));
        properties.put("voice.gateway.media-token-secrets", "a-second-instance-secret");
        properties.put("server.port", port);
        String[] args = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        try (ConfigurableApplicationContext restarted = new SpringApplicationBuilder(GatewayApplication.class)
                .registerShutdownHook(false).run(args)) {
            TenantDirectory rebuilt = restarted.getBean(TenantDirectory.class);
            WebTestClient second = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                    .responseTimeout(Duration.ofSeconds(15)).build();
            await().atMost(Duration.ofSeconds(30)).until(() -> second.get().uri("/health/ready").exchange()
                    .returnResult(String.class).getStatus().is2xxSuccessful());
            assertThat(rebuilt.caughtUp()).isTrue();
            assertThat(rebuilt.byId("demo").orElseThrow().revision()).as("ready only with every view published before")
                    .isGreaterThanOrEqualTo(publishedBeforeStart);
            // later changes (e.g. launch-gate results of the calls above) keep flowing to both instances
            await().atMost(Duration.ofSeconds(10)).until(() -> rebuilt.byId("demo").equals(running.byId("demo")));
            assertThat(rebuilt.byPhoneNumber(stack.options().tenantNumber())).isPresent();
            second.get().uri("/api/v1/call-logs?limit=1").header("x-api-key", stack.options().tenantApiKey())
                    .exchange().expectStatus().isOk();
            second.get().uri("/health/ready").exchange().expectStatus().isOk()
                    .expectBody().jsonPath("$.components.tenantViews.status").isEqualTo("UP");
        }
    }

    private static WebTestClient.ResponseSpec admin(HttpMethod method, String path, String body) {
        var request = gateway.method(method).uri("/api/v1/admin/tenants/demo" + path)
                .header("x-admin-key", stack.options().adminKey());
        return body == null ? request.exchange()
                : request.contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private static String makeCall() {
        Map<?, ?> created = gateway.post().uri("/api/v1/make-call").header("x-api-key", stack.options().tenantApiKey())
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"to\":\"+15555550100\",\"agent_key\":\"support\"}")
                .exchange().expectStatus().is2xxSuccessful()
                .returnResult(Map.class).getResponseBody().blockFirst(Duration.ofSeconds(15));
        return (String) created.get("call_sid");
    }

    private static SessionStarted sessionStarted(String callSid) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> payload(callSid, SessionStarted.class),
                Optional::isPresent).orElseThrow();
    }

    private static Optional<SessionOutcome> outcome(String callSid) {
        return payload(callSid, SessionOutcome.class);
    }

    private static <T> Optional<T> payload(String callSid, Class<T> type) {
        List<TopicRecorder.Seen> seen = topics.forCall(callSid);
        return seen.stream().map(s -> s.envelope().data()).filter(type::isInstance).map(type::cast).findFirst();
    }

    private static String voice(String name) {
        return "(?s).*\"voice\"\\s*:\\s*\"" + name + "\".*";
    }

    private static String served(TenantDirectory directory) {
        return directory.byId("demo").flatMap(view -> view.agents().stream()
                        .filter(agent -> agent.agentKey().equals("support")).findFirst())
                .map(TenantConfigPublished.AgentView::agentVersionId).orElse("");
    }

    private static TenantDirectory directory(String service) {
        return RunningContexts.all().stream()
                .filter(context -> service.equals(context.getEnvironment().getProperty("spring.application.name")))
                .findFirst().orElseThrow().getBean(TenantDirectory.class);
    }
}
