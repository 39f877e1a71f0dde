package dev.voiceagent.gateway.twilio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.CallEvents.CallCreated;
import dev.voiceagent.contracts.CallEvents.CallStatusChanged;
import dev.voiceagent.contracts.CallEvents.CallUnroutable;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.TenantConfigPublished.Rollout;
import dev.voiceagent.contracts.TenantConfigPublished.Split;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.gateway.calllog.CallLog;
import dev.voiceagent.gateway.calllog.CallLogRepository;
import dev.voiceagent.gateway.calllog.CallStatus;
import dev.voiceagent.gateway.media.MediaTokenClaims;
import dev.voiceagent.gateway.media.MediaTokens;
import dev.voiceagent.gateway.testing.KafkaEvents;
import dev.voiceagent.gateway.testing.Tenants;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.RolloutSelector;
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
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
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
    @Autowired DatabaseClient db;
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
                .body(BodyInserters.fromFormData(TwilioSignatures.form(params)))
                .exchange()
                .expectStatus().isForbidden()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);

        String signature = TwilioSignatures.sign(TOKEN, BASE + "/api/v1/incoming-call", params);
        Map<String, String> tampered = new LinkedHashMap<>(params);
        tampered.put("From", "+15555550199");
        web.post().uri("/api/v1/incoming-call").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .header("X-Twilio-Signature", signature)
                .body(BodyInserters.fromFormData(TwilioSignatures.form(tampered)))
                .exchange()
                .expectStatus().isForbidden();

        String wrongKey = TwilioSignatures.sign("not-the-token", BASE + "/api/v1/incoming-call", params);
        web.post().uri("/api/v1/incoming-call").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .header("X-Twilio-Signature", wrongKey)
                .body(BodyInserters.fromFormData(TwilioSignatures.form(params)))
                .exchange()
                .expectStatus().isForbidden();

        web.post().uri("/api/v1/call-status").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData(TwilioSignatures.form(Map.of("CallSid", sid, "CallStatus", "completed"))))
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
                .body(BodyInserters.fromFormData(TwilioSignatures.form(params)))
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
    void aJsonWebhookWhoseUrlLacksBodySha256IsRefusedWithNothingWritten() {
        String sid = newSid();
        Map<String, String> fields = inbound(sid, "+15555550000");
        String body = "{\"CallSid\":\"" + sid + "\",\"AccountSid\":\"AC1\",\"From\":\"+15555550100\","
                + "\"To\":\"+15555550000\",\"CallStatus\":\"ringing\",\"Direction\":\"inbound\"}";
        String url = BASE + "/api/v1/incoming-call";
        // signed over the URL alone: without the hash in the URL, nothing signed covers the body
        postJson("/api/v1/incoming-call", body, TwilioSignatures.sign(TOKEN, url, Map.of()))
                .expectStatus().isForbidden()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        // the JSON fields signed as if they were a form post
        postJson("/api/v1/incoming-call", body, TwilioSignatures.sign(TOKEN, url, fields))
                .expectStatus().isForbidden();
        // a parameter whose name merely ends in bodySHA256
        String lookalike = "/api/v1/incoming-call?xbodySHA256=" + TwilioSignatures.bodySha256(body);
        postJson(lookalike, body, TwilioSignatures.sign(TOKEN, BASE + lookalike, Map.of()))
                .expectStatus().isForbidden();
        StepVerifier.create(calls.findByCallSid(sid)).verifyComplete();

        // nor does such a status callback change a call
        String ringing = newSid();
        postSigned("/api/v1/incoming-call", inbound(ringing, "+15555550000")).expectStatus().isOk();
        String completed = "{\"CallSid\":\"" + ringing + "\",\"AccountSid\":\"AC1\",\"CallStatus\":\"completed\"}";
        postJson("/api/v1/call-status", completed, TwilioSignatures.sign(TOKEN, BASE + "/api/v1/call-status",
                Map.of("CallSid", ringing, "AccountSid", "AC1", "CallStatus", "completed")))
                .expectStatus().isForbidden();
        StepVerifier.create(calls.findByCallSid(ringing))
                .assertNext(log -> assertThat(log.status()).isEqualTo("ringing"))
                .verifyComplete();
    }

    // ---- agent version rollout -----------------------------------------------------------------------------

    @Test
    void inboundCallsGetTheAgentVersionTheRolloutPicks() {
        String pinnedCaller = "+15555550188";
        directory.apply(Tenants.withSupportRollout("canary", "canary-key", "+15555550003",
                new Rollout(List.of(new Split("canary-support-v2", 100)), true,
                        Map.of(pinnedCaller, "canary-support-v3"), null)));

        String sid = newSid();
        String xml = postSigned("/api/v1/incoming-call", inbound(sid, "+15555550003", "+15555550100"))
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        MediaTokenClaims claims = tokens.verify(token(xml));
        assertThat(claims.agentKey()).isEqualTo("support");
        assertThat(claims.agentVersionId()).isEqualTo("canary-support-v2");
        StepVerifier.create(calls.findByCallSid(sid))
                .assertNext(log -> assertThat(log.agentVersionId()).isEqualTo("canary-support-v2"))
                .verifyComplete();
        try (KafkaEvents created = new KafkaEvents(bootstrap, Topics.CALL_EVENTS)) {
            var records = created.await(e -> sid.equals(e.callSid()) && e.data() instanceof CallCreated, 1,
                    Duration.ofSeconds(10));
            assertThat(records).hasSize(1);
            var event = (CallCreated) EventCodec.decode(records.get(0).value()).orElseThrow().data();
            assertThat(event.agentVersionId()).isEqualTo("canary-support-v2");
        }

        // the rollout is applied to the caller (From), whose pin wins over the split
        String pinned = newSid();
        String pinnedXml = postSigned("/api/v1/incoming-call", inbound(pinned, "+15555550003", pinnedCaller))
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(tokens.verify(token(pinnedXml)).agentVersionId()).isEqualTo("canary-support-v3");
        StepVerifier.create(calls.findByCallSid(pinned))
                .assertNext(log -> assertThat(log.agentVersionId()).isEqualTo("canary-support-v3"))
                .verifyComplete();
    }

    @Test
    void anInboundSplitKeepsEachCallerOnOneVersion() {
        directory.apply(Tenants.withSupportRollout("split", "split-key", "+15555550004",
                new Rollout(List.of(new Split("split-support-v2", 50), new Split("split-support-v1", 50)), true,
                        Map.of(), null)));
        // the canary (listed first) owns sticky buckets 0..4999, the default version 5000..9999
        String canaryCaller = callerWithBucketIn(0, 5_000);
        String stableCaller = callerWithBucketIn(5_000, RolloutSelector.BUCKETS);
        for (int i = 0; i < 3; i++) {
            assertThat(inboundVersion("+15555550004", canaryCaller)).isEqualTo("split-support-v2");
            assertThat(inboundVersion("+15555550004", stableCaller)).isEqualTo("split-support-v1");
        }
    }

    private String inboundVersion(String to, String caller) {
        String xml = postSigned("/api/v1/incoming-call", inbound(newSid(), to, caller))
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        return tokens.verify(token(xml)).agentVersionId();
    }

    /** A caller whose sticky bucket for the support agent lies in [from, to). */
    private static String callerWithBucketIn(int from, int to) {
        for (int n = 0; n < 10_000; n++) {
            String caller = "+1555551" + String.format("%04d", n);
            int bucket = RolloutSelector.bucket("support", caller);
            if (bucket >= from && bucket < to) {
                return caller;
            }
        }
        throw new IllegalStateException("no caller in buckets " + from + ".." + to);
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

    // ---- call-log listing ----------------------------------------------------------------------------------

    @Test
    void callLogListingFiltersByEachFieldAndPagesNewestFirstWithoutOverlapOrGaps() {
        // a tenant of its own, so that its listing holds exactly the calls below (on a rerun too)
        String tenant = "ledger-" + UUID.randomUUID().toString().substring(0, 8);
        String key = tenant + "-key";
        directory.apply(Tenants.tenant(tenant, key, "+15555570003", true));
        String c1 = logCall(tenant, "inbound", CallStatus.COMPLETED, "resolved", "2024-03-01T09:00:00Z");
        String c2 = logCall(tenant, "outbound-api", CallStatus.COMPLETED, "transferred", "2024-03-02T09:00:00Z");
        String c3 = logCall(tenant, "inbound", CallStatus.NO_ANSWER, null, "2024-03-03T09:00:00Z");
        String c4 = logCall(tenant, "outbound-api", CallStatus.BUSY, "no_answer", "2024-03-03T09:00:00Z");
        String c5 = logCall(tenant, "inbound", CallStatus.IN_PROGRESS, null, "2024-03-04T09:00:00Z");
        String c6 = logCall(tenant, "inbound", CallStatus.COMPLETED, "transferred", "2024-03-05T09:00:00Z");
        // another tenant's call matching every filter below
        String foreign = logCall("globex", "inbound", CallStatus.COMPLETED, "transferred", "2024-03-03T09:00:00Z");
        // newest first; c3 and c4 were created at the same instant, and the call SID orders them
        List<String> tied = c3.compareTo(c4) < 0 ? List.of(c3, c4) : List.of(c4, c3);
        List<String> all = List.of(c6, c5, tied.get(0), tied.get(1), c2, c1);

        assertThat(listing(key, "")).isEqualTo(new Listing(all, 6));
        assertThat(listing(key, "status=completed")).isEqualTo(new Listing(List.of(c6, c2, c1), 3));
        assertThat(listing(key, "status=busy")).isEqualTo(new Listing(List.of(c4), 1));
        assertThat(listing(key, "direction=outbound-api")).isEqualTo(new Listing(List.of(c4, c2), 2));
        assertThat(listing(key, "direction=inbound")).isEqualTo(new Listing(List.of(c6, c5, c3, c1), 4));
        assertThat(listing(key, "outcome=transferred")).isEqualTo(new Listing(List.of(c6, c2), 2));
        assertThat(listing(key, "outcome=no_answer")).isEqualTo(new Listing(List.of(c4), 1));
        // from_date is inclusive, to_date exclusive
        assertThat(listing(key, "from_date=2024-03-02T09:00:00Z&to_date=2024-03-04T09:00:00Z"))
                .isEqualTo(new Listing(List.of(tied.get(0), tied.get(1), c2), 3));
        // a date alone is that whole day (UTC), at either end
        assertThat(listing(key, "from_date=2024-03-03")).isEqualTo(new Listing(List.of(c6, c5, tied.get(0),
                tied.get(1)), 4));
        assertThat(listing(key, "to_date=2024-03-03")).isEqualTo(new Listing(List.of(tied.get(0), tied.get(1), c2,
                c1), 4));
        assertThat(listing(key, "from_date=2024-03-03&to_date=2024-03-03")).isEqualTo(new Listing(tied, 2));
        assertThat(listing(key, "status=completed&direction=inbound&outcome=transferred&from_date=2024-03-02"))
                .isEqualTo(new Listing(List.of(c6), 1));

        List<String> paged = new java.util.ArrayList<>();
        for (int offset = 0; offset < 6; offset += 2) {
            Listing page = listing(key, "limit=2&offset=" + offset);
            assertThat(page.total()).isEqualTo(6);
            assertThat(page.callSids()).hasSize(2);
            paged.addAll(page.callSids());
        }
        assertThat(paged).as("pages of 2, joined").isEqualTo(all);
        assertThat(listing(key, "limit=4&offset=1")).isEqualTo(new Listing(all.subList(1, 5), 6));
        assertThat(listing(key, "limit=4&offset=4")).isEqualTo(new Listing(all.subList(4, 6), 6));
        assertThat(listing(key, "offset=6")).isEqualTo(new Listing(List.of(), 6));
        assertThat(listing("globex-key", "status=completed").callSids()).contains(foreign)
                .doesNotContainAnyElementsOf(all);
    }

    /** The call SIDs of one page of a listing, and the total the listing reports. */
    record Listing(List<String> callSids, int total) {
    }

    private Listing listing(String apiKey, String query) {
        String body = web.get().uri("/api/v1/call-logs?" + query).header("x-api-key", apiKey).exchange()
                .expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        return new Listing(com.jayway.jsonpath.JsonPath.read(body, "$.items[*].call_sid"),
                com.jayway.jsonpath.JsonPath.<Integer>read(body, "$.total"));
    }

    /** A call log as the gateway writes it, then dated and given its outcome. */
    private String logCall(String tenant, String direction, CallStatus status, String outcome, String createdAt) {
        String sid = newSid();
        StepVerifier.create(calls.insertIfAbsent(CallLog.opened(sid, tenant, direction, "+15555550100",
                        "+15555550199", status, "support", tenant + "-support-v1", null)))
                .expectNext(true)
                .verifyComplete();
        var update = db.sql("UPDATE call_logs SET created_at = :at, outcome = :outcome WHERE call_sid = :sid")
                .bind("sid", sid)
                .bind("at", java.time.OffsetDateTime.parse(createdAt));
        update = outcome == null ? update.bindNull("outcome", String.class) : update.bind("outcome", outcome);
        StepVerifier.create(update.fetch().rowsUpdated()).expectNext(1L).verifyComplete();
        return sid;
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

    private WebTestClient.ResponseSpec postJson(String pathAndQuery, String body, String signature) {
        return web.post().uri(pathAndQuery).contentType(MediaType.APPLICATION_JSON)
                .header("X-Twilio-Signature", signature)
                .bodyValue(body)
                .exchange();
    }

    private WebTestClient.ResponseSpec postSigned(String path, Map<String, String> params) {
        return TwilioSignatures.postSigned(web, TOKEN, BASE, path, params);
    }

    static Map<String, String> inbound(String sid, String to) {
        return inbound(sid, to, "+15555550100");
    }

    static Map<String, String> inbound(String sid, String to, String from) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("CallSid", sid);
        params.put("AccountSid", "AC1");
        params.put("From", from);
        params.put("To", to);
        params.put("CallStatus", "ringing");
        params.put("Direction", "inbound");
        return params;
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
