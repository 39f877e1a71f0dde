package dev.voiceagent.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.Rollout;
import dev.voiceagent.contracts.TenantConfigPublished.Split;
import dev.voiceagent.gateway.testing.Tenants;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class MakeCallRequestTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TenantConfigPublished ACME = Tenants.tenant("acme", "acme-key", "+15555550000", true);

    @Test
    void documentedBodyHasExactlyTheFieldsTheParserAccepts() {
        assertThat(Arrays.stream(MakeCallRequest.MakeCallBody.class.getRecordComponents()).map(RecordComponent::getName)
                .map(name -> name.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase()))
                .containsExactlyInAnyOrderElementsOf(MakeCallRequest.FIELDS);
    }

    @Test
    void theFingerprintIsOfTheBodyAsSentNotOfTheVersionTheRolloutPicks() {
        TenantConfigPublished halfAndHalf = rollout(new Rollout(List.of(new Split("acme-support-v2", 50),
                new Split("acme-support-v3", 50)), false, Map.of(), null));
        TenantConfigPublished onV2 = rollout(new Rollout(List.of(), false, Map.of(), "acme-support-v2"));
        TenantConfigPublished onV3 = rollout(new Rollout(List.of(), false, Map.of(), "acme-support-v3"));
        String body = "{\"to\":\"+15555550100\",\"greeting\":\"Hello\"}";

        // not sticky by callee: each parse draws a version
        Set<String> drawn = IntStream.range(0, 40).mapToObj(i -> MakeCallRequest.parse(JSON, body, halfAndHalf))
                .map(MakeCallRequest::fingerprint).collect(Collectors.toSet());
        assertThat(drawn).hasSize(1);
        // a rollout step between a request and its retry
        assertThat(MakeCallRequest.parse(JSON, body, onV2).fingerprint())
                .isEqualTo(MakeCallRequest.parse(JSON, body, onV3).fingerprint())
                .isEqualTo(drawn.iterator().next());
    }

    @Test
    void everyFieldAsSentChangesTheFingerprint() {
        List<String> bodies = List.of(
                "{\"to\":\"+15555550100\"}",
                "{\"to\":\"+15555550101\"}",
                "{\"to\":\"+15555550100\",\"from\":\"+15555550000\"}",
                "{\"to\":\"+15555550100\",\"agent_key\":\"support\"}",
                "{\"to\":\"+15555550100\",\"agent_key\":\"support\",\"agent_version_id\":\"acme-support-v1\"}",
                "{\"to\":\"+15555550100\",\"greeting\":\"Hi\"}",
                "{\"to\":\"+15555550100\",\"greeting\":\"Hi there\"}",
                "{\"to\":\"+15555550100\",\"machine_detection\":\"Enable\"}",
                "{\"to\":\"+15555550100\",\"machine_detection\":\"DetectMessageEnd\"}",
                "{\"to\":\"+15555550100\",\"machine_detection\":\"Enable\",\"voicemail_policy\":\"hangup\"}",
                "{\"to\":\"+15555550100\",\"machine_detection\":\"Enable\",\"voicemail_policy\":\"leave_message\","
                        + "\"voicemail_message\":\"Call back\"}",
                "{\"to\":\"+15555550100\",\"machine_detection\":\"Enable\",\"voicemail_policy\":\"leave_message\","
                        + "\"voicemail_message\":\"Call us back\"}");
        assertThat(bodies.stream().map(body -> MakeCallRequest.parse(JSON, body, ACME).fingerprint()).distinct())
                .hasSameSizeAs(bodies);
        assertThat(MakeCallRequest.FIELDS).allMatch(field -> bodies.stream().anyMatch(body -> body.contains(
                "\"" + field + "\"")));
    }

    @Test
    void fieldOrderAndSurroundingWhitespaceDoNotChangeTheFingerprint() {
        assertThat(MakeCallRequest.parse(JSON, "{\"greeting\":\"Hi\",\"to\":\"+15555550100\"}", ACME).fingerprint())
                .isEqualTo(MakeCallRequest.parse(JSON, "{ \"to\" : \" +15555550100\", \"greeting\": \"Hi \" }", ACME)
                        .fingerprint());
    }

    @Test
    void aKeyStoredWithTheFingerprintOfTheDerivedRequestStillMatchesItsRetry() throws Exception {
        // what a key stored before fingerprints covered the body as sent holds: the hash of the derived request
        String stored = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(
                String.join("\u0000", "+15555550100", "+15555550000", "support", "acme-support-v1", "null")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(MakeCallRequest.parse(JSON, "{\"to\":\"+15555550100\"}", ACME).matches(stored)).isTrue();
        assertThat(MakeCallRequest.parse(JSON, "{\"to\":\"+15555550101\"}", ACME).matches(stored)).isFalse();
        MakeCallRequest request = MakeCallRequest.parse(JSON, "{\"to\":\"+15555550100\"}", ACME);
        assertThat(request.matches(request.fingerprint())).isTrue();
    }

    private static TenantConfigPublished rollout(Rollout rollout) {
        return Tenants.withSupportRollout("acme", "acme-key", "+15555550000", rollout);
    }
}
