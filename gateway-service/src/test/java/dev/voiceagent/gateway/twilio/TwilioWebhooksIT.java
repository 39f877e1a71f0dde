package dev.voiceagent.gateway.twilio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.CallEvents.CallCreated;
import dev.voiceagent.contracts.CallEvents.CallStatusChanged;
import dev.voiceagent.contracts.CallEvents.CallUnroutable;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.gateway.calllog.CallLogRepository;
import dev.voiceagent.gateway.media.MediaTokenClaims;
import dev.voiceagent.gateway.media.MediaTokens;
import dev.voiceagent.gateway.testing.KafkaEvents;
import dev.voiceagent.gateway.testing.Tenants;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;
import reactor.test.StepVerifier;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.twilio.auth-token=" + TwilioWebhooksIT.TOKEN,
        "voice.gateway.public-base-url=https://voice.example.com",
        "voice.gateway.trusted-proxies=127.0.0.1,::1",
        "voice.gateway.media-token-secrets=webhooks-secret",
        "voice.gateway.max-webhook-bytes=4096"})
@AutoConfigureWebTestClient(timeout = "30s")
@VoiceInfrastructure
class TwilioWebhooksIT {

    static final String TOKEN = "webhooks-test-token";
    private static final String BASE = "https://voice.example.com";
    private static final Pattern TOKEN_PARAM = Pattern.compile("<Parameter name=\"token\" value=\"([^\"]+)\"/>");

    @Autowired WebTestClient web;
    @Autowired TenantDirectory directory;
    @Autowired CallLogRepository calls;
    @Autowired MediaTokens tokens;
    @Autowired EventPublisher events;
    @Value("${spring.kafka.bootstrap-servers}") String bootstrap;

    @BeforeEach
    void tenants() {
        directory.apply(Tenants.tenant("acme", "acme-key", "+15555550000", true));
        directory.apply(Tenants.tenant("globex", "globex-key", "+15555550001", true));
        directory.apply(Tenants.tenant("dormant", "dormant-key", "+15555550002", false));
    }

    @Test
    void signedInboundCallGetsStreamTwimlWithABoundTokenAndACallLog() {
        String sid = newSid();
        String xml = postSigned("/api/v1/incoming-call", inbound(sid, "+15555550000"))
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_XML)
                .expectBody(String.class).returnResult().getResponseBody();

        assertThat(xml).contains("<Response><Connect><Stream url=\"wss://voice.example.com/api/v1/media-stream\">");
        MediaTokenClaims claims = tokens.verify(token(xml));
        assertThat(claims.callSid()).isEqualTo(sid);
        assertThat(claims.tenantId()).isEqualTo("acme");
        assertThat(claims.agentKey()).isEqualTo("support");
        assertThat(claims.agentVersionId()).isEqualTo("acme-support-v1");
        assertThat(claims.caller()).isEqualTo("+15555550100");
        assertThat(claims.direction()).isEqualTo("inbound");
        assertThat(claims.expiresAt()).isBefore(Instant.now().plusSeconds(61));

        StepVerifier.create(calls.findByCallSid(sid))
                .assertNext(log -> {
                    assertThat(log.tenantId()).isEqualTo("acme");
                    assertThat(log.direction()).isEqualTo("inbound");
                    assertThat(log.status()).isEqualTo("ringing");
                })
                .verifyComplete();
        try (KafkaEvents created = new KafkaEvents(bootstrap, Topics.CALL_EVENTS)) {
            assertThat(created.await(e -> sid.equals(e.callSid()) && e.data() instanceof CallCreated, 1,
                    Duration.ofSeconds(10))).hasSize(1);
        }
    }

    @Test
    void repeatedIncomingCallWebhookWritesOneLogAndMintsFreshTokens() {
        String sid = newSid();
        String first = postSigned("/api/v1/incoming-call", inbound(sid, "+15555550000")).expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        String second = postSigned("/api/v1/incoming-call", inbound(sid, "+15555550000")).expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(token(first)).isNotEqualTo(token(second));
        try (KafkaEvents created = new KafkaEvents(bootstrap, Topics.CALL_EVENTS)) {
            assertThat(created.await(e -> sid.equals(e.callSid()) && e.data() instanceof CallCreated, 2,
                    Duration.ofSeconds(3))).hasSize(1);
        }
    }

    @Test
    void unsignedOrTamperedWebhooksAreRefusedWithNothingWritten() {
        String sid = newSid();
        Map<String, String> params = inbound(sid, "+15555550000");
        web.post().uri("/api/v1/incoming-call").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData(form(params)))
                .exchange()
                .expectStatus().isForbidden()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);

        String signature = TwilioSignatures.sign(TOKEN, BASE + "/api/v1/incoming-call", params);
        Map<String, String> tampered = new LinkedHashMap<>(params);
        tampered.put("From", "+15555550199");
        web.post().uri("/api/v1/incoming-call").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .header("X-Twilio-Signature", signature)
                .body(BodyInserters.fromFormData(form(tampered)))
                .exchange()
                .expectStatus().isForbidden();

        String wrongKey = TwilioSignatures.sign("not-the-token", BASE + "/api/v1/incoming-call", params);
        web.post().uri("/api/v1/incoming-call").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .header("X-Twilio-Signature", wrongKey)
                .body(BodyInserters.fromFormData(form(params)))
                .exchange()
                .expectStatus().isForbidden();

        web.post().uri("/api/v1/call-status").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData(form(Map.of("CallSid", sid, "CallStatus", "completed"))))
                .exchange()
                .expectStatus().isForbidden();

        StepVerifier.create(calls.findByCallSid(sid)).verifyComplete();
    }

    @Test
    void signatureIsCheckedAgainstTheUrlTheTrustedProxySaw() {
        String sid = newSid();
        Map<String, String> params = inbound(sid, "+15555550000");
        String edgeUrl = "https://edge.example.net/api/v1/incoming-call";
        web.post().uri("/api/v1/incoming-call").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .header("X-Twilio-Signature", TwilioSignatures.sign(TOKEN, edgeUrl, params))
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "edge.example.net")
                .header("X-Forwarded-Port", "443")
                .body(BodyInserters.fromFormData(form(params)))
                .exchange()
                .expectStatus().isOk();
    }

    @Test
    void jsonWebhooksAreVerifiedByBodyHash() {
        String sid = newSid();
        String body = "{\"CallSid\":\"" + sid + "\",\"AccountSid\":\"AC1\",\"From\":\"+15555550100\","
                + "\"To\":\"+15555550000\",\"CallStatus\":\"ringing\",\"Direction\":\"inbound\"}";
        String query = "bodySHA256=" + TwilioSignatures.bodySha256(body);
        String signature = TwilioSignatures.sign(TOKEN, BASE + "/api/v1/incoming-call?" + query, Map.of());
        web.post().uri("/api/v1/incoming-call?" + query).contentType(MediaType.APPLICATION_JSON)
                .header("X-Twilio-Signature", signature)
                .bodyValue(body)
                .exchange()
                .expectStatus().isOk()
                .expectBody(String.class).value(xml -> assertThat(xml).contains("<Stream"));

        web.post().uri("/api/v1/incoming-call?" + query).contentType(MediaType.APPLICATION_JSON)
                .header("X-Twilio-Signature", signature)
                .bodyValue(body.replace("ringing", "in-progress"))
                .exchange()
                .expectStatus().isForbidden();
    }

    @Test
    void unknownOrDisabledNumbersGetFallbackTwimlAndAnUnroutableEvent() {
        for (String number : List.of("+15555559999", "+15555550002")) {
            String sid = newSid();
            postSigned("/api/v1/incoming-call", inbound(sid, number))
                    .expectStatus().isOk()
                    .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_XML)
                    .expectBody(String.class).value(xml -> assertThat(xml)
                            .contains("<Say>" + TwimlResponses.UNROUTABLE_MESSAGE + "</Say>").doesNotContain("<Stream"));
            StepVerifier.create(calls.findByCallSid(sid)).verifyComplete();
            try (KafkaEvents unroutable = new KafkaEvents(bootstrap, Topics.CALL_EVENTS)) {
                assertThat(unroutable.await(e -> sid.equals(e.callSid()) && e.data() instanceof CallUnroutable, 1,
                        Duration.ofSeconds(10))).hasSize(1);
            }
        }
    }

    @Test
    void statusCallbacksMoveForwardOnlyAndPublishRealChanges() {
        String sid = newSid();
        postSigned("/api/v1/incoming-call", inbound(sid, "+15555550000")).expectStatus().isOk();

        status(sid, "in-progress", null);
        status(sid, "in-progress", null);
        status(sid, "completed", "42");
        status(sid, "in-progress", null);
        status(sid, "ringing", null);
        status(sid, "completed", "42");
        status(sid, "answered-by-nobody", null);

        StepVerifier.create(calls.findByCallSid(sid))
                .assertNext(log -> {
                    assertThat(log.status()).isEqualTo("completed");
                    assertThat(log.durationSeconds()).isEqualTo(42);
                })
                .verifyComplete();
        try (KafkaEvents changes = new KafkaEvents(bootstrap, Topics.CALL_EVENTS)) {
            var records = changes.await(e -> sid.equals(e.callSid()) && e.data() instanceof CallStatusChanged, 3,
                    Duration.ofSeconds(4));
            assertThat(records).hasSize(2);
            assertThat(records.get(1).value()).contains("\"status\":\"completed\"")
                    .contains("\"previous_status\":\"in-progress\"").contains("\"duration_seconds\":42");
        }
    }

    @Test
    void badWebhookInputGetsClearProblems() {
        Map<String, String> noSid = Map.of("CallStatus", "completed");
        postSigned("/api/v1/call-status", noSid)
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("CallSid");

        web.post().uri("/api/v1/call-status").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .header("X-Twilio-Signature", "x")
                .bodyValue("CallSid=%zz")
                .exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);

        web.post().uri("/api/v1/call-status").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .header("X-Twilio-Signature", "x")
                .bodyValue("CallSid=" + "A".repeat(5000))
                .exchange()
                .expectStatus().isEqualTo(413)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);

        web.post().uri("/api/v1/call-status").contentType(MediaType.TEXT_PLAIN)
                .bodyValue("hello")
                .exchange()
                .expectStatus().isEqualTo(415)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void outcomesAreStoredOnTheCallLogAndReadableByTheOwningTenantOnly() {
        String sid = newSid();
        postSigned("/api/v1/incoming-call", inbound(sid, "+15555550000")).expectStatus().isOk();
        status(sid, "completed", "30");
        SessionOutcome outcome = new SessionOutcome(Outcome.TRANSFERRED, "billing_dispute", "acme-support-v1",
                "+15555550100", Instant.now().minusSeconds(30), Instant.now(), 30_000, 900L, 2, 2, 0, List.of(),
                "caller asked for a human", "transferred to billing");
        var envelope = events.publish("acme", sid, outcome).block(Duration.ofSeconds(10));
        events.publish(envelope).block(Duration.ofSeconds(10));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> web.get().uri("/api/v1/call-logs/{sid}", sid)
                .header("x-api-key", "acme-key")
                .exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.outcome").isEqualTo("transferred"));

        web.get().uri("/api/v1/call-logs/{sid}", sid).header("x-api-key", "acme-key").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.call_sid").isEqualTo(sid)
                .jsonPath("$.status").isEqualTo("completed")
                .jsonPath("$.direction").isEqualTo("inbound")
                .jsonPath("$.from").isEqualTo("+15555550100")
                .jsonPath("$.duration_seconds").isEqualTo(30)
                .jsonPath("$.intent").isEqualTo("billing_dispute")
                .jsonPath("$.escalation_state").isEqualTo("transferred")
                .jsonPath("$.escalation_reason").isEqualTo("caller asked for a human")
                .jsonPath("$.agent_version_id").isEqualTo("acme-support-v1");

        web.get().uri("/api/v1/call-logs/{sid}", sid).header("x-api-key", "globex-key").exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        web.get().uri("/api/v1/call-logs/{sid}", sid).exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        web.get().uri("/api/v1/call-logs/{sid}", sid).header("x-api-key", "dormant-key").exchange()
                .expectStatus().isUnauthorized();

        web.get().uri("/api/v1/call-logs?status=completed&outcome=transferred&limit=5").header("x-api-key", "acme-key")
                .exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.items[?(@.call_sid == '" + sid + "')]").exists()
                .jsonPath("$.limit").isEqualTo(5);
        web.get().uri("/api/v1/call-logs").header("x-api-key", "globex-key").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.items[?(@.call_sid == '" + sid + "')]").doesNotExist();
        web.get().uri("/api/v1/call-logs?limit=0").header("x-api-key", "acme-key").exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("limit");
        web.get().uri("/api/v1/call-logs?from_date=yesterday").header("x-api-key", "acme-key").exchange()
                .expectStatus().isBadRequest();
    }

    private void status(String sid, String status, String duration) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("CallSid", sid);
        params.put("AccountSid", "AC1");
        params.put("CallStatus", status);
        if (duration != null) {
            params.put("CallDuration", duration);
        }
        postSigned("/api/v1/call-status", params).expectStatus().isNoContent();
    }

    private WebTestClient.ResponseSpec postSigned(String path, Map<String, String> params) {
        return web.post().uri(path).contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .header("X-Twilio-Signature", TwilioSignatures.sign(TOKEN, BASE + path, params))
                .body(BodyInserters.fromFormData(form(params)))
                .exchange();
    }

    static Map<String, String> inbound(String sid, String to) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("CallSid", sid);
        params.put("AccountSid", "AC1");
        params.put("From", "+15555550100");
        params.put("To", to);
        params.put("CallStatus", "ringing");
        params.put("Direction", "inbound");
        return params;
    }

    static MultiValueMap<String, String> form(Map<String, String> params) {
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        params.forEach(form::add);
        return form;
    }

    static String token(String xml) {
        Matcher m = TOKEN_PARAM.matcher(xml);
        assertThat(m.find()).as("token parameter in %s", xml).isTrue();
        return m.group(1);
    }

    static String newSid() {
        return "CA" + UUID.randomUUID().toString().replace("-", "");
    }
}
