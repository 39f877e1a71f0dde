package dev.voiceagent.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    @ParameterizedTest
    @EnumSource(EventType.class)
    void everyEventTypeMatchesItsGoldenFixture(EventType type) throws IOException {
        EventEnvelope<?> sample = SampleEvents.sample(type);
        String encoded = EventCodec.encode(sample);
        if (Boolean.getBoolean("contracts.regenerate")) {
            Path file = Path.of("src/main/resources/contracts/fixtures", type.wireName() + ".json");
            Files.writeString(file, EventCodec.mapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(EventCodec.mapper().readTree(encoded)) + "\n");
        }
        String golden = fixture(type);
        assertThat(EventCodec.mapper().readTree(encoded)).isEqualTo(EventCodec.mapper().readTree(golden));
        assertThat(EventCodec.decode(golden)).contains(castEnvelope(sample));
    }

    @Test
    void envelopeCarriesCloudEventsAttributes() {
        String json = EventCodec.encode(SampleEvents.sample(EventType.SESSION_OUTCOME));
        var root = EventCodec.mapper().readTree(json);
        assertThat(root.get("specversion").asString()).isEqualTo("1.0");
        assertThat(root.get("type").asString()).isEqualTo("voice.session.outcome");
        assertThat(root.get("subject").asString()).isEqualTo(SampleEvents.CALL);
        assertThat(root.get("tenantid").asString()).isEqualTo("demo");
        assertThat(root.at("/data/outcome").asString()).isEqualTo("callback_created");
        assertThat(root.at("/data/time_to_first_audio_ms").asLong()).isEqualTo(640L);
    }

    @Test
    void unknownTypesDecodeToEmptySoConsumersCanSkipThem() {
        String json = EventCodec.encode(SampleEvents.sample(EventType.LOG_LINE))
                .replace("voice.log.line", "voice.something.new");
        assertThat(EventCodec.decode(json)).isEmpty();
    }

    @Test
    void unknownPayloadFieldsAreIgnored() {
        String json = EventCodec.encode(SampleEvents.sample(EventType.LOG_LINE))
                .replace("\"level\"", "\"added_later\":42,\"level\"");
        assertThat(EventCodec.decode(json)).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not json", "[]", "42", "{\"type\":\"voice.log.line\"}",
            "{\"type\":\"voice.log.line\",\"data\":{}}",
            "{\"id\":\"1\",\"type\":\"voice.session.outcome\",\"source\":\"x\",\"time\":\"2026-01-01T00:00:00Z\",\"data\":{\"outcome\":\"exploded\"}}",
            "{\"id\":\"1\",\"type\":\"voice.log.line\",\"source\":\"x\",\"time\":\"yesterday\",\"data\":{}}"})
    void malformedMessagesAreRejectedWithADecodingError(String json) {
        assertThatThrownBy(() -> EventCodec.decode(json)).isInstanceOf(EventDecodingException.class);
    }

    @Test
    void anEnvelopeRefusesAPayloadOfAnotherType() {
        assertThatThrownBy(() -> new EventEnvelope<>("id", EventType.CALL_CREATED, "s", SampleEvents.TIME, "t", "c", 1,
                new LogLine("INFO", "x"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyTopicHasADeadLetterTopicAndToolRepliesAreSanitised() {
        assertThat(Topics.deadLetter(Topics.OUTCOMES)).isEqualTo("voice.outcomes.v1.dlt");
        assertThat(Topics.toolReplies("pod/7 a")).isEqualTo("voice.tool.replies.pod-7-a");
        assertThat(Topics.ALL).allMatch(t -> t.matches("voice\\.[a-z.]+\\.v1"));
    }

    @Test
    void aTenantViewPublishedBeforeVersionsAndLimitsDecodesWithEmptyValues() throws IOException {
        String old;
        try (InputStream in = EventCodecTest.class.getResourceAsStream("/tenant_published_before_versions.json")) {
            old = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        var view = (TenantConfigPublished) EventCodec.decode(old).orElseThrow().data();
        assertThat(view.agents()).singleElement().satisfies(agent -> {
            assertThat(agent.agentVersionId()).isEqualTo("default-v1");
            assertThat(agent.versions()).isEmpty();
            assertThat(agent.rollout()).isEqualTo(TenantConfigPublished.Rollout.NONE);
            assertThat(agent.allowedToolsOf("anything")).containsExactly("lookup", "callback", "noop");
        });
        assertThat(view.limits()).isEqualTo(TenantConfigPublished.TenantLimits.NONE);
        assertThat(view.runtimeConfig().limits()).isEqualTo(TenantConfigPublished.CallLimits.NONE);
        assertThat(view).isEqualTo(new TenantConfigPublished(view.tenantId(), view.displayName(), view.enabled(),
                view.phoneNumbers(), view.timeZone(), view.runtimeConfig(), view.apiKeyHashes(), view.agents(),
                view.revision()));
    }

    @Test
    void agentViewKnowsEachVersionsTools() {
        var view = (TenantConfigPublished) SampleEvents.sample(EventType.TENANT_CONFIG_PUBLISHED).data();
        var support = view.agents().get(0);
        assertThat(support.allowedToolsOf("support-v2")).contains("sms");
        assertThat(support.allowedToolsOf("support-v1")).doesNotContain("sms");
        String json = EventCodec.encode(SampleEvents.sample(EventType.TENANT_CONFIG_PUBLISHED));
        var root = EventCodec.mapper().readTree(json);
        assertThat(root.at("/data/agents/0/versions/0/intents/1/class").asString()).isEqualTo("must_transfer");
        assertThat(root.at("/data/agents/0/rollout/pins").get("+15555550100").asString()).isEqualTo("support-v2");
    }

    @Test
    void aLaunchGateResultIsKeyedByTenantAndLeavesAnOpenWindowOut() {
        EventEnvelope<?> sample = SampleEvents.sample(EventType.LAUNCH_GATE_EVALUATED);
        assertThat(sample.key()).isEqualTo("demo");
        assertThat(sample.topic()).isEqualTo(Topics.EVALUATIONS);
        var root = EventCodec.mapper().readTree(EventCodec.encode(sample));
        assertThat(root.has("callsid")).isFalse();
        assertThat(root.at("/data").has("window_to")).isFalse();
        assertThat(root.at("/data/criteria/1/reason").asString()).isEqualTo("pass rate 0.9167 < 0.95");
        assertThat(root.at("/data/stats/p95_time_to_first_audio_ms").asLong()).isEqualTo(910L);
    }

    @SuppressWarnings("unchecked")
    private static EventEnvelope<VoiceEvent> castEnvelope(EventEnvelope<?> e) {
        return (EventEnvelope<VoiceEvent>) e;
    }

    private static String fixture(EventType type) throws IOException {
        try (InputStream in = EventCodecTest.class.getResourceAsStream("/contracts/fixtures/" + type.wireName() + ".json")) {
            assertThat(in).as("golden fixture for " + type.wireName()).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
