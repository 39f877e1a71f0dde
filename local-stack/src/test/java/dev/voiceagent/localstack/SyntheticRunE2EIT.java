package dev.voiceagent.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.EventType;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.testkit.realtime.ObservedSession;
import dev.voiceagent.testkit.twilio.SimulatedCall;
import dev.voiceagent.testkit.twilio.TwilioSimulator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A synthetic run on the whole local stack: a suite generated from the agent's contract plus one scenario in
 * which the model is scripted to use a tool outside the agent's scope. Every call plays its own scenario on both
 * simulators (registered by the evaluation service at the Twilio simulator's control endpoint, found by the
 * realtime simulator through the bridge's {@code session.tracing}), each evaluation reflects what happened in that
 * call, and the run's results decide the version's launch gate, which reaches the config service.
 */
class SyntheticRunE2EIT {

    private static final Map<String, Object> ANY = Map.of();
    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() { };
    private static final String KEY = "demo-key";
    private static final String HANDOFF_NUMBER = "+15555550199";
    private static final List<String> RUN = List.of("intent-account_balance", "intent-lost_card", "policy-sms-out-of-scope");

    private static LocalStack stack;
    private static WebTestClient gateway;
    private static WebTestClient config;

    @BeforeAll
    static void startStackWithAnAgentVersion() {
        stack = LocalStack.start(LocalStackOptions.forTests());
        gateway = WebTestClient.bindToServer().baseUrl(stack.gatewayUrl()).responseTimeout(Duration.ofSeconds(15)).build();
        config = WebTestClient.bindToServer().baseUrl(stack.url("config-service") + "/api/v1/admin/tenants/demo")
                .defaultHeader("x-admin-key", stack.options().adminKey())
                .responseTimeout(Duration.ofSeconds(15)).build();
        // the contract requires AI disclosure (the default consent): a good agent says so in its greeting
        config.put().uri("/runtime-config").contentType(MediaType.APPLICATION_JSON).bodyValue("""
                {"model":"gpt-realtime","voice":"alloy","system_prompt_key":"support_default",
                 "greeting":"Thanks for calling Demo Bank, I'm a virtual assistant. How can I help?"}""")
                .exchange().expectStatus().isOk();
        config.put().uri("/agents/support").contentType(MediaType.APPLICATION_JSON).bodyValue("""
                {"intents":[
                  {"name":"account_balance","class":"resolvable","tools":["lookup"]},
                  {"name":"lost_card","class":"must_transfer","tools":["escalation"],"handoff_target":"card_desk"}],
                 "handoff":{"targets":[{"name":"card_desk","phone_number":"%s"}]}}""".formatted(HANDOFF_NUMBER))
                .exchange().expectStatus().isOk();
        config.post().uri("/agents/support/versions").exchange().expectStatus().isCreated()
                .expectBody().jsonPath("$.agent_version_id").isEqualTo("support-v1");
        // the gateway knows the version once make-call stops refusing the agent (a wrong version is still refused,
        // so the probe never places a call)
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> gateway.post()
                .uri("/api/v1/make-call").header("x-api-key", KEY).contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"to\":\"+15555550100\",\"agent_key\":\"support\",\"agent_version_id\":\"support-v0\"}")
                .exchange().expectStatus().isBadRequest().expectBody(String.class).returnResult().getResponseBody()
                .contains("agent_version_id"));
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyCallPlaysItsScenarioAndTheRunDecidesTheLaunchGate() {
        try {
            runTheSuiteAndDecideTheGate();
        } catch (AssertionError | RuntimeException e) {
            stack.simulators().twilio().calls().stream().map(SimulatedCall::sid).forEach(SyntheticRunE2EIT::describe);
            throw e;
        }
    }

    /**
     * Keys the agent presses reach the far end: an agent whose contract allows {@code send_dtmf} calls a phone menu
     * (a caller script at the Twilio simulator), the model presses 2, and the menu's DTMF receiver hears it in the
     * call's audio, after the agent's words and through the gateway. The key press never reaches the tool executor.
     * A second agent of the tenant beside {@code support}, so the synthetic run's statistics are not touched.
     */
    @Test
    void anAgentPressesAKeyThatThePhoneMenuHears() {
        config.put().uri("/agents/navigator").contentType(MediaType.APPLICATION_JSON).bodyValue("""
                {"intents":[{"name":"reach_billing","class":"resolvable","tools":["send_dtmf"]}]}""")
                .exchange().expectStatus().isOk();
        config.post().uri("/agents/navigator/versions").exchange().expectStatus().isCreated()
                .expectBody().jsonPath("$.agent_version_id").isEqualTo("navigator-v1");
        Map<String, Object> script = WebTestClient.bindToServer().baseUrl(stack.simulators().twilio().baseUrl()).build()
                .post().uri(TwilioSimulator.SCRIPTS_PATH).contentType(MediaType.APPLICATION_JSON).bodyValue("""
                        {"name":"phone-menu","greeting":"Hello, Demo Bank calling about an invoice.","turns":[
                          {"caller_says":"Welcome to Acme. For billing press two, for sales press three.",
                           "model_actions":[{"say":"Pressing two."},
                                            {"call_tool":"send_dtmf","arguments":{"digits":"2"}}]},
                          {"caller_says":"Billing, how can I help?",
                           "model_actions":[{"say":"I am calling about invoice seventy seven."}]}]}""")
                .exchange().expectStatus().isCreated()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult().getResponseBody();
        // the gateway knows the agent once make-call names its version in the refusal of a wrong one
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> gateway.post()
                .uri("/api/v1/make-call").header("x-api-key", KEY).contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"to\":\"+15555550100\",\"agent_key\":\"navigator\",\"agent_version_id\":\"navigator-v0\"}")
                .exchange().expectStatus().isBadRequest().expectBody(String.class).returnResult().getResponseBody()
                .contains("agent_version_id"));

        String callSid = (String) gateway.post().uri("/api/v1/make-call").header("x-api-key", KEY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("to", script.get("to"), "agent_key", "navigator"))
                .exchange().expectStatus().is2xxSuccessful()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult().getResponseBody()
                .get("call_sid");

        SimulatedCall call = await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(250))
                .until(() -> stack.simulators().twilio().call(callSid).orElse(null), c -> c != null && c.ended());
        assertThat(call.keysHeard()).as("the menu's receiver heard the key").isEqualTo("2");
        assertThat(call.callerTurnsSpoken()).containsExactly(
                "Welcome to Acme. For billing press two, for sales press three.", "Billing, how can I help?");

        List<TopicRecorder.Seen> events;
        try (TopicRecorder topics = new TopicRecorder(stack.kafkaBootstrapServers())) {
            events = await().atMost(Duration.ofSeconds(30)).until(() -> topics.forCall(callSid),
                    seen -> seen.stream().anyMatch(s -> s.envelope().type() == EventType.SESSION_OUTCOME));
        }
        SessionOutcome outcome = events.stream().map(s -> s.envelope().data())
                .filter(SessionOutcome.class::isInstance).map(SessionOutcome.class::cast).findFirst().orElseThrow();
        assertThat(outcome.agentVersionId()).isEqualTo("navigator-v1");
        assertThat(outcome.tools()).extracting(SessionOutcome.ToolSummary::tool, SessionOutcome.ToolSummary::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("send_dtmf", "ok"));
        assertThat(events).as("a key press is no tool request")
                .noneMatch(s -> s.envelope().type() == EventType.TOOL_REQUESTED);
    }

    private void runTheSuiteAndDecideTheGate() {
        gateway.put().uri("/api/v1/evaluations/agents/support/scenarios").header("x-api-key", KEY)
                .contentType(MediaType.APPLICATION_JSON).bodyValue("""
                        {"contract":{"intents":[
                           {"name":"account_balance","class":"resolvable","tools":["lookup"]},
                           {"name":"lost_card","class":"transfer","tools":["escalation"],"handoff_target":"card_desk"}]},
                         "scenarios":[{"id":"policy-sms-out-of-scope",
                           "description":"the model texts the balance although the agent may not send SMS",
                           "intent":"account_balance",
                           "caller":[{"say":"What is my account balance?","model":[
                                        {"call_tool":"update_session","arguments":{"intent":"account_balance"}},
                                        {"call_tool":"sms","arguments":{"body":"Your balance"}},
                                        {"say":"I have sent you a text message."}]},
                                     {"say":"Thanks, goodbye."}],
                           "expect":{"intent":"account_balance","outcomes":["resolved"],"escalation":false}}]}""")
                .exchange().expectStatus().isOk();

        long started = System.nanoTime();
        Map<String, Object> accepted = gateway.post().uri("/api/v1/evaluations/agents/support/versions/support-v1/synthetic-runs")
                .header("x-api-key", KEY).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("scenario_ids", RUN))
                .exchange().expectStatus().isAccepted().expectBody(JSON).returnResult().getResponseBody();
        String runId = (String) accepted.get("run_id");

        Map<String, Object> run = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> get("/api/v1/evaluations/synthetic-runs/" + runId), r -> "completed".equals(r.get("status")));
        System.out.printf("synthetic run of %d calls completed in %d ms%n", RUN.size(),
                (System.nanoTime() - started) / 1_000_000);
        Map<String, Map<String, Object>> calls = byScenario(run);
        assertThat(calls.keySet()).containsExactlyInAnyOrderElementsOf(RUN);
        assertThat(calls.values()).allSatisfy(call -> assertThat(call.get("status")).isEqualTo("evaluated"));

        assertPassed(calls.get("intent-account_balance"));
        assertPassed(calls.get("intent-lost_card"));
        Map<String, Object> bad = calls.get("policy-sms-out-of-scope");
        assertThat(bad.get("passed")).as("the out-of-scope tool fails the call").isEqualTo(false);
        assertThat(expectations(bad).get("met")).as("the caller's expectations were otherwise met").isEqualTo(true);
        Map<String, Object> badEvaluation = get("/api/v1/evaluations/sessions/" + bad.get("call_sid"));
        assertThat(criterion(badEvaluation, "tool_policy").get("score")).isEqualTo(0.0);
        assertThat((String) criterion(badEvaluation, "tool_policy").get("detail")).contains("denied as out of scope");
        assertThat(badEvaluation.get("synthetic")).isEqualTo(true);
        assertThat(run.get("passed")).isEqualTo(2);

        assertEachCallPlayedItsOwnScript(calls);

        gateway.put().uri("/api/v1/evaluations/agents/support/gates").header("x-api-key", KEY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"name\":\"launch\",\"min_sessions\":3,\"max_policy_violations\":0,\"synthetic_only\":true}")
                .exchange().expectStatus().isOk();
        Map<String, Object> gate = gateway.post()
                .uri("/api/v1/evaluations/agents/support/versions/support-v1/gate-evaluations")
                .header("x-api-key", KEY).contentType(MediaType.APPLICATION_JSON).bodyValue("{}")
                .exchange().expectStatus().isCreated().expectBody(JSON).returnResult().getResponseBody();
        assertThat(gate.get("passed")).isEqualTo(false);
        Map<String, Map<String, Object>> criteria = list(gate.get("criteria")).stream()
                .collect(Collectors.toMap(c -> (String) c.get("name"), Function.identity()));
        assertThat(criteria.get("min_sessions")).containsEntry("passed", true).containsEntry("actual", 3);
        assertThat(criteria.get("max_policy_violations")).containsEntry("passed", false).containsEntry("actual", 1);

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                config.get().uri("/agents/support/versions/support-v1/gate-result").exchange()
                        .expectStatus().isOk().expectBody()
                        .jsonPath("$.passed").isEqualTo(false)
                        .jsonPath("$.evaluation_id").isEqualTo(gate.get("id")));
    }

    /** Both simulators played each call's own scenario: the caller's words, and the model's session by call SID. */
    private static void assertEachCallPlayedItsOwnScript(Map<String, Map<String, Object>> calls) {
        Map<String, String> scriptByCall = stack.simulators().realtime().sessions().stream()
                .filter(s -> s.script() != null)
                .collect(Collectors.toMap(SyntheticRunE2EIT::tracedCallSid, ObservedSession::script, (a, b) -> a));
        calls.forEach((scenario, call) -> {
            String sid = (String) call.get("call_sid");
            assertThat(scriptByCall).as("realtime session of " + scenario).containsEntry(sid, scenario);
            assertThat(stack.simulators().twilio().scripts().forCall(sid)).as("caller of " + scenario)
                    .hasValueSatisfying(script -> assertThat(script.name()).isEqualTo(scenario));
        });
        SimulatedCall balance = twilioCall(calls.get("intent-account_balance"));
        assertThat(balance.callerTurnsSpoken()).containsExactly("Hi, I'm calling about account balance.",
                "Yes, that's right.");
        assertThat(twilioCall(calls.get("intent-lost_card")).transferredTo()).isEqualTo(HANDOFF_NUMBER);
        assertThat(twilioCall(calls.get("policy-sms-out-of-scope")).callerTurnsSpoken())
                .containsExactly("What is my account balance?", "Thanks, goodbye.");
    }

    /** What a call did on both simulators and how it was scored, for the report when an assertion fails. */
    private static void describe(String sid) {
        SimulatedCall call = stack.simulators().twilio().call(sid).orElseThrow();
        System.out.println("call " + sid + " to " + call.to() + ": " + call.statusHistory() + ", caller said "
                + call.callerTurnsSpoken() + ", transferred to " + call.transferredTo());
        stack.simulators().realtime().sessions().stream().filter(s -> sid.equals(tracedCallSid(s)))
                .forEach(s -> System.out.println("  model: script " + s.script() + ", caller " + s.callerTranscripts()
                        + ", agent " + s.agentTranscripts() + ", tools " + s.toolCalls()));
        gateway.get().uri("/api/v1/evaluations/sessions/" + sid).header("x-api-key", KEY).exchange()
                .expectBody(String.class).value(body -> System.out.println("  evaluation: " + body));
    }

    private static void assertPassed(Map<String, Object> call) {
        assertThat(call.get("passed")).as(call.toString()).isEqualTo(true);
        assertThat(expectations(call).get("met")).as(call.toString()).isEqualTo(true);
    }

    private static SimulatedCall twilioCall(Map<String, Object> call) {
        return stack.simulators().twilio().call((String) call.get("call_sid")).orElseThrow();
    }

    private static String tracedCallSid(ObservedSession session) {
        return session.lastSessionUpdate() == null ? ""
                : session.lastSessionUpdate().path("tracing").path("metadata").path("call_sid").asString();
    }

    private static Map<String, Object> get(String path) {
        return gateway.get().uri(path).header("x-api-key", KEY).exchange().expectStatus().isOk()
                .expectBody(JSON).returnResult().getResponseBody();
    }

    private static Map<String, Map<String, Object>> byScenario(Map<String, Object> run) {
        return list(run.get("calls")).stream().collect(Collectors.toMap(c -> (String) c.get("scenario_id"),
                Function.identity()));
    }

    private static Map<String, Object> criterion(Map<String, Object> evaluation, String name) {
        return list(evaluation.get("criteria")).stream().filter(c -> name.equals(c.get("name"))).findFirst()
                .orElse(ANY);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> expectations(Map<String, Object> call) {
        return call.get("expectations") == null ? ANY : (Map<String, Object>) call.get("expectations");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object value) {
        return value == null ? List.of() : (List<Map<String, Object>>) value;
    }
}
