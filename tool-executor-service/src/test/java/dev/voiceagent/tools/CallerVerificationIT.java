package dev.voiceagent.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.secrets.ArgumentSealer;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import dev.voiceagent.testkit.kafka.TopicProbe;
import dev.voiceagent.tools.execution.ToolCall;
import dev.voiceagent.tools.execution.ToolResult;
import dev.voiceagent.tools.lookup.LookupTool;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * A caller is verified by the PIN stored for the account, not by what the model says: the same configuration as
 * {@link ToolExecutorIT} (so the same application context) on a tenant of its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "voice.admin-key=it-admin-key")
@AutoConfigureWebTestClient
@VoiceInfrastructure
class CallerVerificationIT {

    static final String TENANT = "verify-demo";
    static final String VERSION = "verify-v1";
    /** Calls from a number that owns no account, so nothing is disclosed without verification. */
    static final String CALLER = "+15555550111";
    static final String PIN = "2468";
    static final String REPLY_TOPIC = Topics.toolReplies("it-bridge-verify");
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String REFUSAL = "I can only share details of the account registered to the number you're "
            + "calling from until I've verified your identity.";
    static final String OTHER_ACCOUNT = "I can only share details of the account you've verified, or the one "
            + "registered to the number you're calling from.";

    @BeforeAll
    static void replyTopic() {
        TestCalls.createReplyTopic(REPLY_TOPIC);
    }

    @Autowired WebTestClient web;
    @Autowired EventPublisher events;
    @Autowired TenantDirectory directory;
    @Autowired DatabaseClient db;
    @Autowired LookupTool lookupTool;
    @Autowired MeterRegistry meters;
    @Autowired ArgumentSealer sealer;
    @Value("${spring.kafka.bootstrap-servers}") String bootstrap;

    TopicProbe probe;
    String uploadAnswer;

    @BeforeEach
    void tenantAndAccounts() {
        probe = new TopicProbe(bootstrap);
        directory.apply(new TenantConfigPublished(TENANT, "Verify", true, List.of("+15555550001"), "UTC", null,
                List.of(), List.of(new AgentView("default", VERSION, List.of("lookup", "sms"), null)), 1));
        uploadAnswer = web.put().uri("/api/v1/admin/tenants/{t}/accounts", TENANT).header("x-admin-key", "it-admin-key")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("""
                        {"accounts":[
                          {"account_number":"4417","caller_number":"+15555550144","name":"Grace Hopper",
                           "balance":1200.00,"currency":"USD","status":"active","verification_pin":"%s",
                           "orders":[{"order_number":"V-1","status":"shipped"}]},
                          {"account_number":"5005","caller_number":"+15555550155","name":"Edsger Dijkstra",
                           "balance":5,"currency":"USD","status":"active"},
                          {"account_number":"6006","caller_number":"+15555550166","name":"Barbara Liskov",
                           "balance":6,"currency":"USD","status":"active","verification_pin":"%s"},
                          {"account_number":"7007","caller_number":"+15555550177","name":"Donald Knuth",
                           "balance":7,"currency":"USD","status":"active","verification_pin":"%s"},
                          {"account_number":"8008","caller_number":"+15555550188","name":"Frances Allen",
                           "balance":8,"currency":"USD","status":"active","verification_pin":"%s"}]}"""
                        .formatted(PIN, PIN, PIN, PIN))
                .exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
    }

    @Test
    void aCallerWhoGivesTheAccountsPinIsVerifiedAndHearsTheAccount() {
        ToolCompleted completed = lookup(Map.of("account_number", "4417", "pin", PIN));

        assertThat(completed.status()).isEqualTo(ToolCompleted.OK);
        assertThat(completed.output()).containsEntry("verified", true).containsEntry("found", true)
                .containsEntry("account_number", "4417").containsEntry("name", "Grace Hopper")
                .containsEntry("balance", "1200.00");
        assertThat(lookup(Map.of("order_number", "V-1", "pin", PIN)).output()).containsEntry("verified", true)
                .containsEntry("order", Map.of("order_number", "V-1", "status", "shipped"));
    }

    @Test
    void aWrongPinIsRefusedInTheWordsAnUnauthenticatedCallerHears() {
        ToolCompleted withoutPin = lookup(Map.of("account_number", "4417"));
        ToolCompleted wrongPin = lookup(Map.of("account_number", "4417", "pin", "1357"));

        assertThat(wrongPin.status()).isEqualTo(ToolCompleted.DENIED).isEqualTo(withoutPin.status());
        assertThat(wrongPin.reason()).isEqualTo(REFUSAL).isEqualTo(withoutPin.reason());
        assertThat(wrongPin.output()).containsEntry("verified", false).doesNotContainKeys("name", "balance");
    }

    @Test
    void anAccountWithoutAPinCannotBeVerifiedByOne() {
        ToolCompleted noPinStored = lookup(Map.of("account_number", "5005", "pin", "0000"));
        ToolCompleted nothingFound = lookup(Map.of("account_number", "9999", "pin", PIN));

        for (ToolCompleted refused : List.of(noPinStored, nothingFound)) {
            assertThat(refused.status()).isEqualTo(ToolCompleted.DENIED);
            assertThat(refused.reason()).isEqualTo(REFUSAL);
            assertThat(refused.output()).containsEntry("verified", false).doesNotContainKeys("name", "balance");
        }
    }

    @Test
    void thePinIsStoredOnlyAsASaltedHashAndNeverAnswered() {
        assertThat(uploadAnswer).doesNotContain(PIN).doesNotContain("verification_pin");
        StepVerifier.create(db.sql("SELECT verification_pin_hash FROM accounts WHERE tenant_id = :t "
                        + "AND account_number = '4417'").bind("t", TENANT).map(row -> row.get(0, String.class)).one())
                .assertNext(stored -> assertThat(stored).startsWith("pbkdf2-sha256$").doesNotContain(PIN))
                .expectComplete().verify(WAIT);
        assertThat(lookup(Map.of("account_number", "4417", "pin", PIN)).output().toString()).doesNotContain(PIN);

        String invalid = web.put().uri("/api/v1/admin/tenants/{t}/accounts", TENANT)
                .header("x-admin-key", "it-admin-key").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"accounts\":[{\"account_number\":\"1\",\"name\":\"x\",\"balance\":1,\"currency\":\"USD\","
                        + "\"verification_pin\":\"12ab9\"}]}")
                .exchange().expectStatus().isBadRequest()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(invalid).contains("accounts[0].verification_pin").doesNotContain("12ab9");
    }

    @Test
    void aVerifiedCallerHearsTheAccountTheyVerifiedAndNoOther() {
        ToolCompleted own = request("lookup", Map.of("account_number", "4417"), "4417");
        ToolCompleted other = request("lookup", Map.of("account_number", "5005"), "4417");
        ToolCompleted none = request("lookup", Map.of("account_number", "9999"), "4417");

        assertThat(own.status()).isEqualTo(ToolCompleted.OK);
        assertThat(own.output()).containsEntry("account_number", "4417").containsEntry("name", "Grace Hopper");
        for (ToolCompleted refused : List.of(other, none)) {
            assertThat(refused.status()).isEqualTo(ToolCompleted.DENIED);
            assertThat(refused.reason()).isEqualTo(OTHER_ACCOUNT);
            assertThat(refused.output()).doesNotContainKeys("name", "balance", "found");
        }
    }

    @Test
    void aVerifiedCallerMayTextTheirAccountsNumberButNoOther() {
        ToolCompleted toAccount = request("sms", Map.of("body", "your balance", "to", "+15555550144"), "4417");
        ToolCompleted toOther = request("sms", Map.of("body", "your balance", "to", "+15555550155"), "4417");
        ToolCompleted unverified = request("sms", Map.of("body", "your balance", "to", "+15555550144"), null);

        // past the recipient check (this context has no Twilio to send through, so it fails there)
        assertThat(toAccount.status()).isNotEqualTo(ToolCompleted.DENIED);
        assertThat(toOther.status()).isEqualTo(ToolCompleted.DENIED);
        assertThat(toOther.reason()).contains("registered to your account");
        assertThat(unverified.status()).isEqualTo(ToolCompleted.DENIED);
    }

    @Test
    void repeatedWrongPinsStopTheAccountsPinBeingCheckedForAnyCaller() {
        for (int i = 0; i < 5; i++) {
            assertThat(lookup(Map.of("account_number", "6006", "pin", "000" + i)).output())
                    .containsEntry("verified", false);
        }
        ToolCompleted rightPin = lookup(Map.of("account_number", "6006", "pin", PIN));

        assertThat(rightPin.status()).isEqualTo(ToolCompleted.DENIED);
        assertThat(rightPin.reason()).isEqualTo(REFUSAL);
        assertThat(rightPin.output()).containsEntry("verified", false).doesNotContainKeys("name", "balance");
        StepVerifier.create(db.sql("SELECT attempts FROM pin_attempts WHERE tenant_id = :t AND account_number = '6006'")
                        .bind("t", TENANT).map(row -> row.get(0, Integer.class)).one())
                .expectNext(6).expectComplete().verify(WAIT);
    }

    @Test
    void guessesSentAtOnceAreCheckedNoMoreThanTheLimitAllows() {
        double checkedBefore = wrongPinChecks();
        String callSid = "CA" + "8".repeat(32);
        List<ToolCall> guesses = IntStream.range(0, 12).mapToObj(i -> {
            String toolCallId = "call_guess_" + i + "_" + UUID.randomUUID();
            return new ToolCall(TENANT, callSid, new ToolRequested(toolCallId, "lookup",
                    sealed(Map.of("account_number", "8008", "pin", "90" + (10 + i)), callSid, toolCallId), VERSION,
                    "account_balance", CALLER, REPLY_TOPIC));
        }).toList();

        List<ToolResult> answers = Flux.fromIterable(guesses).flatMap(lookupTool::execute, guesses.size())
                .collectList().block(WAIT);

        assertThat(answers).hasSize(12).allSatisfy(answer -> assertThat(answer.output())
                .containsEntry("verified", false));
        assertThat(wrongPinChecks() - checkedBefore).as("PINs compared").isEqualTo(5);
        assertThat(lookup(Map.of("account_number", "8008", "pin", PIN)).output()).containsEntry("verified", false);
    }

    private Map<String, Object> sealed(Map<String, Object> args, String callSid, String toolCallId) {
        if (!args.containsKey("pin")) {
            return args;
        }
        Map<String, Object> sealed = new LinkedHashMap<>(args);
        sealed.put("pin", sealer.seal(String.valueOf(args.get("pin")),
                ArgumentSealer.binding(TENANT, callSid, toolCallId)));
        return sealed;
    }

    private double wrongPinChecks() {
        return meters.counter("voice.tools.pin.checks", "result", "wrong_pin").count();
    }

    @Test
    void aPinInTheClearOrSealedForAnotherRequestIsNotChecked() {
        ToolCompleted clear = send("lookup", Map.of("account_number", "4417", "pin", PIN), null, false);
        ToolCompleted copied = send("lookup", Map.of("account_number", "4417", "pin",
                sealer.seal(PIN, ArgumentSealer.binding(TENANT, "CA" + "1".repeat(32), "call_other"))), null, false);

        for (ToolCompleted refused : List.of(clear, copied)) {
            assertThat(refused.status()).isEqualTo(ToolCompleted.DENIED);
            assertThat(refused.reason()).isEqualTo(REFUSAL);
            assertThat(refused.output()).containsEntry("verified", false).doesNotContainKeys("name", "balance");
        }
        assertThat(request("lookup", Map.of("account_number", "4417", "pin", PIN), null).output())
                .as("sealed for its request").containsEntry("verified", true);
    }

    @Test
    void aRightPinStartsTheCountOfWrongOnesAgain() {
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 4; i++) {
                assertThat(lookup(Map.of("account_number", "7007", "pin", "111" + i)).output())
                        .containsEntry("verified", false);
            }
            assertThat(lookup(Map.of("account_number", "7007", "pin", PIN)).output())
                    .as("round %d", round).containsEntry("verified", true);
        }
    }

    private ToolCompleted lookup(Map<String, Object> args) {
        return request("lookup", args, null);
    }

    /** A request as the bridge sends it: a PIN sealed for it. */
    private ToolCompleted request(String tool, Map<String, Object> args, String verifiedAccount) {
        return send(tool, args, verifiedAccount, true);
    }

    private ToolCompleted send(String tool, Map<String, Object> args, String verifiedAccount, boolean sealPin) {
        String toolCallId = "call_" + UUID.randomUUID();
        String callSid = "CA" + UUID.randomUUID().toString().replace("-", "");
        var request = new ToolRequested(toolCallId, tool, sealPin ? sealed(args, callSid, toolCallId) : args, VERSION,
                "account_balance", verifiedAccount != null, CALLER, REPLY_TOPIC, verifiedAccount);
        StepVerifier.create(events.publish(TENANT, callSid, request)).expectNextCount(1).expectComplete().verify(WAIT);
        List<ConsumerRecord<String, String>> records = probe.await(REPLY_TOPIC, r -> r.value().contains(toolCallId), 1,
                WAIT, Duration.ZERO);
        assertThat(records).as("result of %s", toolCallId).isNotEmpty();
        return (ToolCompleted) EventCodec.decode(records.get(0).value()).orElseThrow().data();
    }
}
