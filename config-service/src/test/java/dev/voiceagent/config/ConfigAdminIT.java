package dev.voiceagent.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.support.tenant.ApiKeys;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "voice.admin-key=" + ConfigAdminIT.ADMIN_KEY)
@AutoConfigureWebTestClient
@VoiceInfrastructure
class ConfigAdminIT {

    static final String ADMIN_KEY = "it-admin-key";
    static final String DOCUMENTED_BODY = "{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"support_default\"}";

    @Autowired
    WebTestClient web;

    @Autowired
    dev.voiceagent.config.publish.ConfigOutboxRelay relay;

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrap;

    @org.springframework.boot.test.web.server.LocalServerPort
    int port;

    @Autowired
    org.springframework.r2dbc.core.DatabaseClient db;

    ConfigTopicReader topic;
    String tenant;

    @BeforeEach
    void setUp() {
        topic = new ConfigTopicReader(bootstrap);
        tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void tearDown() {
        topic.close();
    }

    @Test
    void documentedRuntimeConfigRequestIsPublishedWithResolvedInstructions() {
        createTenant(tenant, "+1555" + digits(7));
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/runtime-config", DOCUMENTED_BODY)
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.model").isEqualTo("gpt-realtime")
                .jsonPath("$.voice").isEqualTo("alloy")
                .jsonPath("$.system_prompt_key").isEqualTo("support_default")
                .jsonPath("$.prompt_version").isEqualTo(1);

        var envelope = topic.awaitEnvelope(tenant, v -> "support_default".equals(v.runtimeConfig().systemPromptKey()));
        TenantConfigPublished view = (TenantConfigPublished) envelope.data();
        assertThat(envelope.tenantId()).isEqualTo(tenant);
        assertThat(envelope.callSid()).isNull();
        assertThat(view.enabled()).isTrue();
        assertThat(view.runtimeConfig().model()).isEqualTo("gpt-realtime");
        assertThat(view.runtimeConfig().voice()).isEqualTo("alloy");
        assertThat(view.runtimeConfig().instructions()).contains("phone support agent");
        assertThat(view.runtimeConfig().promptVersion()).isEqualTo(1);
        assertThat(view.agents()).singleElement().satisfies(agent -> {
            assertThat(agent.agentKey()).isEqualTo("default");
            assertThat(agent.agentVersionId()).isEqualTo("default-v1");
            assertThat(agent.allowedTools()).containsExactly("lookup", "callback", "noop");
        });

        admin(HttpMethod.PUT, "/tenants/" + tenant + "/prompts/support_default", "{\"text\":\"Be brief. Version two.\"}")
                .expectStatus().isCreated().expectBody().jsonPath("$.version").isEqualTo(2);
        TenantConfigPublished updated = topic.await(tenant, v -> v.runtimeConfig().promptVersion() == 2);
        assertThat(updated.runtimeConfig().instructions()).isEqualTo("Be brief. Version two.");
        assertThat(updated.revision()).isGreaterThan(view.revision());

        admin(HttpMethod.GET, "/tenants/" + tenant + "/runtime-config", null).expectStatus().isOk()
                .expectBody().jsonPath("$.prompt_version").isEqualTo(2);
    }

    static Stream<Arguments> invalidRuntimeConfigs() {
        return Stream.of(
                Arguments.of("{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"support_default\",\"temperature\":1}", "temperature"),
                Arguments.of("{\"model\":\"gpt-9\",\"voice\":\"alloy\",\"system_prompt_key\":\"support_default\"}", "model"),
                Arguments.of("{\"voice\":\"alloy\",\"system_prompt_key\":\"support_default\"}", "model"),
                Arguments.of("{\"model\":\"gpt-realtime\",\"voice\":\"robot\",\"system_prompt_key\":\"support_default\"}", "voice"),
                Arguments.of("{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"no_such_prompt\"}", "system_prompt_key"),
                Arguments.of("{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"support_default\",\"webhook_url\":\"not a url\"}", "webhook_url"),
                Arguments.of("{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"support_default\",\"webhook_url\":\"ftp://example.com/x\"}", "webhook_url"),
                Arguments.of("{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"support_default\",\"limits\":{\"max_tool_calls\":0}}", "limits.max_tool_calls"));
    }

    @ParameterizedTest
    @MethodSource("invalidRuntimeConfigs")
    void rejectsInvalidRuntimeConfigNamingTheField(String body, String field) {
        createTenant(tenant);
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/runtime-config", body)
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.errors[0].field").isEqualTo(field)
                .jsonPath("$.detail").value(detail -> assertThat((String) detail).startsWith(field));
        admin(HttpMethod.GET, "/tenants/" + tenant + "/audit", null).expectStatus().isOk()
                .expectBody().jsonPath("$.length()").isEqualTo(1);
    }

    @Test
    void unknownTenantIsNotFound() {
        admin(HttpMethod.PUT, "/tenants/nobody-" + digits(4) + "/runtime-config", DOCUMENTED_BODY)
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void aTenantWhoseViewCannotBePublishedDoesNotHoldUpTheOthers() {
        String stuck = tenant;
        createTenant(stuck);
        // a view over the topic's record limit (1 MB): a prompt longer than the API would ever accept
        db.sql("UPDATE prompt_versions SET text = repeat('x', 1100000) WHERE tenant_id = :tenant")
                .bind("tenant", stuck).then().block();
        db.sql("INSERT INTO config_outbox (tenant_id) VALUES (:tenant)").bind("tenant", stuck).then().block();
        String other = "t-" + UUID.randomUUID().toString().substring(0, 8);
        createTenant(other);
        admin(HttpMethod.PUT, "/tenants/" + other + "/runtime-config",
                "{\"model\":\"gpt-realtime\",\"voice\":\"verse\",\"system_prompt_key\":\"support_default\"}")
                .expectStatus().isOk();

        topic.await(other, view -> "verse".equals(view.runtimeConfig().voice()));
        // the stuck tenant's change is parked, not lost, and goes out once its view fits again
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> db.sql(
                        "SELECT coalesce(max(attempts), 0) AS attempts FROM config_outbox WHERE tenant_id = :tenant")
                .bind("tenant", stuck).map((row, meta) -> row.get("attempts", Integer.class)).one().block() > 0);
        db.sql("UPDATE prompt_versions SET text = 'Short again.' WHERE tenant_id = :tenant")
                .bind("tenant", stuck).then().block();
        topic.await(stuck, view -> "Short again.".equals(view.runtimeConfig().instructions()));
    }

    /** Paths the request mappings route to the admin handlers: decoded, with {@code ;} parameters dropped. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"/api/v1/admin;x=1/tenants/%s/api-keys",
            "/api/v1/%%61dmin/tenants/%s/api-keys", "/api/v1/admin/tenants;v=2/%s/api-keys"})
    void anAdminRouteSpelledAnotherWayStillNeedsTheKey(String spelling) {
        createTenant(tenant);
        java.net.URI uri = java.net.URI.create("http://localhost:" + port + spelling.formatted(tenant));
        web.post().uri(uri).contentType(MediaType.APPLICATION_JSON).bodyValue("{\"name\":\"intruder\"}")
                .exchange().expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        admin(HttpMethod.GET, "/tenants/" + tenant + "/api-keys", null).expectStatus().isOk()
                .expectBody().jsonPath("$[?(@.name == 'intruder')]").doesNotExist();
    }

    @Test
    void missingOrWrongAdminKeyChangesNothing() {
        web.put().uri("/api/v1/admin/tenants/" + tenant).contentType(MediaType.APPLICATION_JSON).bodyValue("{}")
                .exchange().expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        web.put().uri("/api/v1/admin/tenants/" + tenant).header("x-admin-key", "wrong")
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{}")
                .exchange().expectStatus().isForbidden()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        admin(HttpMethod.GET, "/tenants/" + tenant, null).expectStatus().isNotFound();

        createTenant(tenant);
        web.put().uri("/api/v1/admin/tenants/" + tenant + "/runtime-config").header("x-admin-key", ADMIN_KEY + "x")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"gpt-realtime\",\"voice\":\"verse\",\"system_prompt_key\":\"support_default\"}")
                .exchange().expectStatus().isForbidden();
        admin(HttpMethod.GET, "/tenants/" + tenant + "/runtime-config", null).expectStatus().isOk()
                .expectBody().jsonPath("$.voice").isEqualTo("alloy");
    }

    @Test
    void tenantValidationAndNumberConflicts() {
        String number = "+1555" + digits(7);
        createTenant(tenant, number);
        admin(HttpMethod.GET, "/tenants/" + tenant, null).expectStatus().isOk().expectBody()
                .jsonPath("$.phone_numbers[0]").isEqualTo(number)
                .jsonPath("$.time_zone").isEqualTo("Europe/Berlin")
                .jsonPath("$.limits.max_concurrent_calls").isEqualTo(5);

        String other = "t-" + UUID.randomUUID().toString().substring(0, 8);
        admin(HttpMethod.PUT, "/tenants/" + other, "{\"phone_numbers\":[\"" + number + "\"]}")
                .expectStatus().isEqualTo(409);
        admin(HttpMethod.GET, "/tenants/" + other, null).expectStatus().isNotFound();
        admin(HttpMethod.PUT, "/tenants/" + other, "{\"phone_numbers\":[\"5550000\"]}")
                .expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("phone_numbers[0]");
        admin(HttpMethod.PUT, "/tenants/" + other, "{\"time_zone\":\"Mars/Olympus\"}")
                .expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("time_zone");
        admin(HttpMethod.PUT, "/tenants/Bad%20Id", "{}")
                .expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("tenant_id");
    }

    @Test
    void apiKeysAreCreatedListedAndRevokedInThePublishedView() {
        createTenant(tenant);
        String imported = "import-" + UUID.randomUUID();
        String importedId = admin(HttpMethod.POST, "/tenants/" + tenant + "/api-keys",
                        "{\"name\":\"seeded\",\"key\":\"" + imported + "\"}")
                .expectStatus().isCreated()
                .expectBody(Map.class).returnResult().getResponseBody().get("id").toString();
        Map<?, ?> generated = admin(HttpMethod.POST, "/tenants/" + tenant + "/api-keys", null)
                .expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody();
        String secret = generated.get("key").toString();
        assertThat(secret).startsWith("vk_");

        admin(HttpMethod.POST, "/tenants/" + tenant + "/api-keys", "{\"key\":\"" + imported + "\"}")
                .expectStatus().isEqualTo(409);
        String listing = admin(HttpMethod.GET, "/tenants/" + tenant + "/api-keys", null).expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(listing).contains(importedId, "\"prefix\":\"impo\"", "\"revoked\":false")
                .doesNotContain(imported, secret, ApiKeys.hash(imported));

        topic.await(tenant, v -> v.apiKeyHashes().contains(ApiKeys.hash(imported))
                && v.apiKeyHashes().contains(ApiKeys.hash(secret)));

        admin(HttpMethod.DELETE, "/tenants/" + tenant + "/api-keys/" + importedId, null).expectStatus().isOk()
                .expectBody().jsonPath("$.revoked").isEqualTo(true);
        TenantConfigPublished revoked = topic.await(tenant, v -> !v.apiKeyHashes().contains(ApiKeys.hash(imported)));
        assertThat(revoked.apiKeyHashes()).containsExactly(ApiKeys.hash(secret));
        admin(HttpMethod.DELETE, "/tenants/" + tenant + "/api-keys/key_missing", null).expectStatus().isNotFound();
    }

    @Test
    void disablingKeepsTheDataAndPublishesDisabled() {
        createTenant(tenant, "+1555" + digits(7));
        admin(HttpMethod.DELETE, "/tenants/" + tenant, null).expectStatus().isOk()
                .expectBody().jsonPath("$.enabled").isEqualTo(false);
        TenantConfigPublished view = topic.await(tenant, v -> !v.enabled());
        assertThat(view.phoneNumbers()).hasSize(1);
        admin(HttpMethod.GET, "/tenants/" + tenant, null).expectStatus().isOk()
                .expectBody().jsonPath("$.enabled").isEqualTo(false);
        admin(HttpMethod.GET, "/tenants/" + tenant + "/runtime-config", null).expectStatus().isOk();
        admin(HttpMethod.GET, "/tenants/" + tenant + "/audit", null).expectStatus().isOk()
                .expectBody().jsonPath("$[0].action").isEqualTo("tenant.disabled")
                .jsonPath("$[0].before.enabled").isEqualTo(true);
    }

    @Test
    void agentVersionsAndRolloutReachTheView() {
        createTenant(tenant);
        String contract = """
                {"intents":[
                  {"name":"balance","class":"resolvable","tools":["lookup","sms"]},
                  {"name":"complaint","class":"must_transfer","tools":["escalation"]}],
                 "handoff":{"targets":[{"name":"care","phone_number":"+15555550199"}],
                            "business_hours":{"time_zone":"America/New_York","days":{"mon":"09:00-17:00"}}}}""";
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support", contract).expectStatus().isOk();
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/broken",
                "{\"intents\":[{\"name\":\"x\",\"class\":\"resolvable\",\"tools\":[\"teleport\"]}]}")
                .expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("intents[0].tools[0]");
        topic.await(tenant, v -> v.agents().get(0).agentKey().equals("default"));

        admin(HttpMethod.POST, "/tenants/" + tenant + "/agents/support/versions", "{\"note\":\"first\"}")
                .expectStatus().isCreated().expectBody()
                .jsonPath("$.agent_version_id").isEqualTo("support-v1")
                .jsonPath("$.prompt_version").isEqualTo(1)
                .jsonPath("$.runtime_config.model").isEqualTo("gpt-realtime");
        TenantConfigPublished view = topic.await(tenant, v -> v.agents().get(0).agentKey().equals("support"));
        assertThat(view.agents()).singleElement().satisfies(agent -> {
            assertThat(agent.agentVersionId()).isEqualTo("support-v1");
            assertThat(agent.allowedTools()).containsExactly("lookup", "sms", "escalation");
            assertThat(agent.fallbackDestination()).isEqualTo("+15555550199");
        });

        admin(HttpMethod.POST, "/tenants/" + tenant + "/agents/support/versions", null).expectStatus().isCreated();
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support/rollout",
                "{\"splits\":[{\"agent_version_id\":\"support-v1\",\"percent\":60},{\"agent_version_id\":\"support-v3\",\"percent\":40}]}")
                .expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("splits[1].agent_version_id");
        String sixtyForV2 = "{\"splits\":[{\"agent_version_id\":\"support-v1\",\"percent\":40},"
                + "{\"agent_version_id\":\"support-v2\",\"percent\":60}],\"pins\":{\"+15555550100\":\"support-v2\"}}";
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support/rollout", sixtyForV2)
                .expectStatus().isEqualTo(409).expectBody().jsonPath("$.errors[0].field").isEqualTo("splits[1].percent");
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support/versions/support-v2/gate-result",
                "{\"passed\":true,\"score\":0.93}").expectStatus().isOk();
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support/rollout", sixtyForV2)
                .expectStatus().isOk().expectBody().jsonPath("$.default_version_id").isEqualTo("support-v2");
        TenantConfigPublished split = topic.await(tenant, v -> v.agents().get(0).agentVersionId().equals("support-v2"));
        assertThat(split.agents().get(0).rollout().splits()).extracting(TenantConfigPublished.Split::percent)
                .containsExactly(40.0, 60.0);
        assertThat(split.agents().get(0).versions()).extracting(TenantConfigPublished.VersionView::agentVersionId)
                .containsExactly("support-v2", "support-v1");
        admin(HttpMethod.GET, "/tenants/" + tenant + "/agents/support/rollout/resolve?caller=+15555550100", null)
                .expectStatus().isOk().expectBody()
                .jsonPath("$.agent_version_id").isEqualTo("support-v2")
                .jsonPath("$.reason").isEqualTo("caller_pin");

        admin(HttpMethod.POST, "/tenants/" + tenant + "/agents/support/rollout/rollback", null)
                .expectStatus().isOk().expectBody().jsonPath("$.default_version_id").isEqualTo("support-v1");
        topic.await(tenant, v -> v.agents().get(0).agentVersionId().equals("support-v1"));
    }

    @Test
    void launchGateDecidesWhetherAVersionMayTakeMoreThanTheCanaryShare() {
        createTenant(tenant);
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support",
                "{\"intents\":[{\"name\":\"balance\",\"class\":\"resolvable\",\"tools\":[\"lookup\"]}]}")
                .expectStatus().isOk();
        admin(HttpMethod.POST, "/tenants/" + tenant + "/agents/support/versions", null).expectStatus().isCreated();
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support",
                "{\"intents\":[{\"name\":\"balance\",\"class\":\"resolvable\",\"tools\":[\"lookup\",\"sms\"]}]}")
                .expectStatus().isOk();
        admin(HttpMethod.POST, "/tenants/" + tenant + "/agents/support/versions", null).expectStatus().isCreated();

        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support/rollout",
                "{\"splits\":[{\"agent_version_id\":\"support-v2\",\"percent\":10},{\"agent_version_id\":\"support-v1\",\"percent\":90}]}")
                .expectStatus().isOk();
        TenantConfigPublished canary = topic.await(tenant, v -> v.agents().get(0).rollout().splits().size() == 2);
        var agent = canary.agents().get(0);
        assertThat(agent.agentVersionId()).isEqualTo("support-v1");
        assertThat(agent.allowedToolsOf("support-v2")).containsExactly("lookup", "sms");
        assertThat(agent.allowedToolsOf("support-v1")).containsExactly("lookup");

        admin(HttpMethod.POST, "/tenants/" + tenant + "/agents/support/rollout/promote", "{\"agent_version_id\":\"support-v2\"}")
                .expectStatus().isEqualTo(409).expectBody()
                .jsonPath("$.errors[0].field").isEqualTo("agent_version_id")
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("no launch gate result", "10%"));
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support/versions/support-v2/gate-result",
                "{\"passed\":false,\"score\":0.41,\"evaluation_id\":\"ev_9\"}").expectStatus().isOk();
        admin(HttpMethod.POST, "/tenants/" + tenant + "/agents/support/rollout/promote", "{\"agent_version_id\":\"support-v2\"}")
                .expectStatus().isEqualTo(409).expectBody()
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("latest launch gate failed", "0.41"));
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support/rollout",
                "{\"splits\":[{\"agent_version_id\":\"support-v1\",\"percent\":100}],\"pinned_version_id\":\"support-v2\"}")
                .expectStatus().isEqualTo(409).expectBody().jsonPath("$.errors[0].field").isEqualTo("pinned_version_id");
        admin(HttpMethod.GET, "/tenants/" + tenant + "/agents/support/rollout", null).expectStatus().isOk()
                .expectBody().jsonPath("$.splits.length()").isEqualTo(2);

        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support/versions/support-v2/gate-result",
                "{\"passed\":true,\"score\":0.91}").expectStatus().isOk();
        admin(HttpMethod.GET, "/tenants/" + tenant + "/agents/support/versions/support-v2/gate-result", null)
                .expectStatus().isOk().expectBody().jsonPath("$.passed").isEqualTo(true).jsonPath("$.source").isEqualTo("admin");
        admin(HttpMethod.POST, "/tenants/" + tenant + "/agents/support/rollout/promote", "{\"agent_version_id\":\"support-v2\"}")
                .expectStatus().isOk();
        topic.await(tenant, v -> v.agents().get(0).agentVersionId().equals("support-v2"));

        // the first version held every call before, so going back to it needs no gate
        admin(HttpMethod.POST, "/tenants/" + tenant + "/agents/support/rollout/promote", "{\"agent_version_id\":\"support-v1\"}")
                .expectStatus().isOk();
        admin(HttpMethod.GET, "/tenants/" + tenant + "/audit?action=agent.gate_result_recorded&limit=1", null)
                .expectStatus().isOk().expectBody()
                .jsonPath("$.length()").isEqualTo(1)
                .jsonPath("$[0].after.passed").isEqualTo(true)
                .jsonPath("$[0].before.passed").isEqualTo(false);
    }

    @Test
    void limitsAndTheOnCallNumberReachTheViewAndTwoTenantsMayShareAnAgentKey() {
        createTenant(tenant);
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/runtime-config",
                "{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"support_default\",\"limits\":{\"max_tool_calls\":7},"
                        + "\"on_call_number\":\"+15555550199\"}")
                .expectStatus().isOk().expectBody().jsonPath("$.on_call_number").isEqualTo("+15555550199");
        TenantConfigPublished view = topic.await(tenant, v -> v.runtimeConfig().limits().maxToolCalls() != null);
        assertThat(view.limits().maxConcurrentCalls()).isEqualTo(5);
        assertThat(view.runtimeConfig().limits().maxToolCalls()).isEqualTo(7);
        assertThat(view.runtimeConfig().onCallNumber()).isEqualTo("+15555550199");

        String other = "t-" + UUID.randomUUID().toString().substring(0, 8);
        createTenant(other);
        String contract = "{\"intents\":[{\"name\":\"balance\",\"class\":\"resolvable\",\"tools\":[\"lookup\"]}]}";
        for (String id : new String[] {tenant, other}) {
            admin(HttpMethod.PUT, "/tenants/" + id + "/agents/shared", contract).expectStatus().isOk();
            admin(HttpMethod.POST, "/tenants/" + id + "/agents/shared/versions", null).expectStatus().isCreated()
                    .expectBody().jsonPath("$.agent_version_id").isEqualTo("shared-v1");
        }
    }

    @Test
    void auditPagesBackAndFilters() {
        createTenant(tenant);
        for (String voice : new String[] {"verse", "coral", "sage"}) {
            admin(HttpMethod.PUT, "/tenants/" + tenant + "/runtime-config", "{\"model\":\"gpt-realtime\",\"voice\":\""
                    + voice + "\",\"system_prompt_key\":\"support_default\"}").expectStatus().isOk();
        }
        var newest = admin(HttpMethod.GET, "/tenants/" + tenant + "/audit?limit=2", null).expectStatus().isOk()
                .expectBody(java.util.List.class).returnResult().getResponseBody();
        assertThat(newest).hasSize(2);
        Object oldestShown = ((Map<?, ?>) newest.get(1)).get("id");
        admin(HttpMethod.GET, "/tenants/" + tenant + "/audit?before=" + oldestShown, null).expectStatus().isOk()
                .expectBody().jsonPath("$[0].after.voice").isEqualTo("verse")
                .jsonPath("$[0].before.voice").isEqualTo("alloy");
        admin(HttpMethod.GET, "/tenants/" + tenant + "/audit?action=tenant.created", null).expectStatus().isOk()
                .expectBody().jsonPath("$.length()").isEqualTo(1);
        admin(HttpMethod.GET, "/tenants/" + tenant + "/audit?action=DROP%20TABLE", null).expectStatus().isBadRequest();
    }

    @Test
    void republishesEveryTenantViewWhenTheRelayStarts() {
        createTenant(tenant);
        var first = topic.awaitEnvelope(tenant, v -> true);
        long revision = ((TenantConfigPublished) first.data()).revision();
        relay.stop();
        relay.start();
        var again = topic.awaitEnvelope(tenant, v -> v.revision() == revision);
        assertThat(again.id()).isNotEqualTo(first.id());
    }

    /**
     * Admin writes to one tenant that arrive together are applied one after the other: each version gets its own
     * number, and each rollout change keeps the policy it replaced, so rolling back walks through every one of them.
     */
    @Test
    void concurrentWritesToOneTenantAreAppliedOneAtATime() throws Exception {
        createTenant(tenant);
        admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support",
                "{\"intents\":[{\"name\":\"balance\",\"class\":\"resolvable\",\"tools\":[\"lookup\"]}]}")
                .expectStatus().isOk();
        int writers = 6;
        List<String> versions = together(writers, i -> admin(HttpMethod.POST,
                "/tenants/" + tenant + "/agents/support/versions", "{\"note\":\"cut " + i + "\"}")
                .expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody()
                .get("agent_version_id").asString());
        assertThat(versions).containsExactlyInAnyOrder("support-v1", "support-v2", "support-v3", "support-v4",
                "support-v5", "support-v6");

        // the first version cut set the rollout to itself; six policies pinning different callers replace it at once
        List<String> pinned = together(writers, i -> {
            String caller = "+155555501" + (10 + i);
            admin(HttpMethod.PUT, "/tenants/" + tenant + "/agents/support/rollout",
                    "{\"splits\":[{\"agent_version_id\":\"support-v1\",\"percent\":100}],"
                            + "\"pins\":{\"" + caller + "\":\"support-v1\"}}")
                    .expectStatus().isOk();
            return caller;
        });
        Set<String> current = pins(admin(HttpMethod.GET, "/tenants/" + tenant + "/agents/support/rollout",
                null).expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody());
        List<Set<String>> restored = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            restored.add(pins(admin(HttpMethod.POST, "/tenants/" + tenant + "/agents/support/rollout/rollback", null)
                    .expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody()));
        }
        admin(HttpMethod.POST, "/tenants/" + tenant + "/agents/support/rollout/rollback", null)
                .expectStatus().isEqualTo(409);
        // newest first: five of the six pinned policies, then the one without pins they all replaced
        assertThat(restored.get(writers - 1)).as("the policy before all six").isEmpty();
        Set<String> seen = new HashSet<>(current);
        restored.subList(0, writers - 1).forEach(pins -> {
            assertThat(pins).hasSize(1);
            seen.addAll(pins);
        });
        assertThat(seen).as("every replaced policy was kept once").containsExactlyInAnyOrderElementsOf(pinned);
    }

    private static Set<String> pins(JsonNode policy) {
        Set<String> callers = new HashSet<>();
        JsonNode pins = policy.get("pins");
        if (pins != null) {
            pins.propertyNames().forEach(callers::add);
        }
        return callers;
    }

    /** Runs {@code writers} calls of {@code write} at once, released together; their results in index order. */
    private static <T> List<T> together(int writers, IntFunction<T> write) throws Exception {
        var pool = Executors.newFixedThreadPool(writers);
        try {
            var start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    start.await();
                    return write.apply(index);
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (var future : futures) {
                results.add(future.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private void createTenant(String id, String... numbers) {
        String list = numbers.length == 0 ? "[]" : "[\"" + String.join("\",\"", numbers) + "\"]";
        admin(HttpMethod.PUT, "/tenants/" + id, "{\"display_name\":\"Tenant " + id + "\",\"phone_numbers\":" + list
                + ",\"time_zone\":\"Europe/Berlin\",\"limits\":{\"max_concurrent_calls\":5}}")
                .expectStatus().isCreated();
    }

    private WebTestClient.ResponseSpec admin(HttpMethod method, String path, String body) {
        var request = web.method(method).uri("/api/v1/admin" + path).header("x-admin-key", ADMIN_KEY);
        if (body != null) {
            return request.contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
        }
        return request.exchange();
    }

    private static String digits(int count) {
        StringBuilder out = new StringBuilder();
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < count; i++) {
            out.append(random.nextInt(10));
        }
        return out.toString();
    }
}
