package dev.voiceagent.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.EventType;
import dev.voiceagent.contracts.Topics;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.json.JsonMapper;

/**
 * Keeps docs/asyncapi.yaml in step with the contracts: every topic has a channel, every event type a message,
 * and each message's example is the type's golden fixture. Regenerate with {@code python3 docs/tools/asyncapi.py}.
 */
class ApiDocumentsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path FIXTURES = ROOT.resolve("voice-contracts/src/main/resources/contracts/fixtures");

    @Test
    void asyncApiHasAChannelForEveryTopic() throws IOException {
        Map<String, Object> channels = map(asyncApi().get("channels"));
        List<String> addresses = channels.values().stream().map(channel -> (String) map(channel).get("address"))
                .toList();
        assertThat(addresses).containsAll(Topics.ALL)
                .anyMatch(address -> address.startsWith(Topics.TOOL_REPLIES_PREFIX));
    }

    @Test
    void asyncApiHasEveryEventTypeWithItsFixtureAsExample() throws IOException {
        Map<String, Object> document = asyncApi();
        Map<String, Map<String, Object>> byName = map(map(document.get("components")).get("messages")).values()
                .stream().map(ApiDocumentsTest::map)
                .collect(Collectors.toMap(message -> (String) message.get("name"), message -> message));
        Map<String, Object> channels = map(document.get("channels"));
        JsonMapper json = JsonMapper.builder().build();
        for (EventType type : EventType.values()) {
            Map<String, Object> message = byName.get(type.wireName());
            assertThat(message).as(type.wireName()).isNotNull();
            Path fixture = FIXTURES.resolve(type.wireName() + ".json");
            assertThat(fixture).as("fixture of " + type.wireName()).isRegularFile();
            Object example = map(((List<?>) message.get("examples")).get(0)).get("payload");
            assertThat(example).as(type.wireName()).isEqualTo(json.readValue(fixture.toFile(), Map.class));
            assertThat(channels.values()).as("channel of " + type.wireName())
                    .anyMatch(channel -> type.topic().equals(map(channel).get("address"))
                            && map(map(channel).get("messages")).values().stream().anyMatch(ref ->
                            String.valueOf(map(ref).get("$ref")).endsWith("/" + messageKey(type))));
        }
    }

    private static String messageKey(EventType type) {
        String wire = type.wireName().substring("voice.".length());
        String[] parts = wire.replace('.', '_').split("_");
        StringBuilder key = new StringBuilder(parts[0]);
        for (int i = 1; i < parts.length; i++) {
            key.append(Character.toUpperCase(parts[i].charAt(0))).append(parts[i].substring(1));
        }
        return key.toString();
    }

    private static Map<String, Object> asyncApi() throws IOException {
        try (Reader reader = Files.newBufferedReader(ROOT.resolve("docs/asyncapi.yaml"))) {
            return new Yaml().load(reader);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }
}
