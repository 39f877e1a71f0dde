package dev.voiceagent.bridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.bridge.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonFieldScannerTest {

    private final JsonFieldScanner scanner = new JsonFieldScanner("event", "streamSid", "media.payload", "media.track");
    private final String[] values = new String[4];

    @Test
    void readsTheFieldsOfARecordedMediaFrame() {
        assertThat(scanner.scan(Fixtures.read("twilio/media.json"), values)).isTrue();
        assertThat(values).containsExactly("media", "MZ18ad3ab5a668481ce02b83e7395059f0",
                "fv7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/g==", "inbound");
    }

    @Test
    void readsFieldsInAnyOrderAroundWhitespaceNumbersAndLiterals() {
        String frame = " {\n \"media\" : { \"n\": -1.5e+3, \"payload\":\"AAAA\", \"x\": null },\t\"flag\":true,"
                + "\"other\":false, \"count\":0, \"event\":\"media\" } ";
        assertThat(scanner.scan(frame, values)).isTrue();
        assertThat(values).containsExactly("media", null, "AAAA", null);
    }

    @Test
    void matchesNestedFieldsOnlyUnderTheirParent() {
        assertThat(scanner.scan("{\"event\":\"x\",\"start\":{\"streamSid\":\"MZ1\",\"payload\":\"P\"},"
                + "\"payload\":\"Q\"}", values)).isTrue();
        assertThat(values).containsExactly("x", null, null, null);
    }

    @Test
    void readsAHugePayloadInOnePass() {
        String payload = "A".repeat(4 << 20);
        assertThat(scanner.scan("{\"event\":\"media\",\"media\":{\"payload\":\"" + payload + "\"}}", values)).isTrue();
        assertThat(values[2]).hasSize(4 << 20);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // escapes are left to the full codec, wherever they are
            "{\"event\":\"media\",\"media\":{\"payload\":\"AA\\\"AA\"}}",
            "{\"event\":\"me\\u0064ia\"}",
            "{\"ev\\\"ent\":\"media\"}",
            "{\"other\":\"a\\\\b\",\"event\":\"media\"}",
            // shapes the media frames never have
            "{\"event\":\"start\",\"start\":{\"tracks\":[\"inbound\"]}}",
            "{\"event\":\"media\",\"media\":{\"deeper\":{\"payload\":\"AAAA\"}}}",
            "[{\"event\":\"media\"}]",
            // a wanted field twice, or not a string
            "{\"event\":\"media\",\"event\":\"mark\"}",
            "{\"event\":\"media\",\"media\":{\"payload\":\"A\"},\"media\":{\"payload\":\"B\"}}",
            "{\"event\":7}",
            "{\"event\":\"media\",\"media\":{\"payload\":null}}",
            "{\"event\":\"media\",\"media\":{\"payload\":{}}}",
            // malformed JSON
            "", "   ", "{", "{\"event\"}", "{\"event\":}", "{\"event\":\"media\",}", "{\"event\":\"media\"} x",
            "{\"event\":\"media\" \"x\":1}", "{\"n\":01}", "{\"n\":-}", "{\"n\":1.}", "{\"n\":1e}", "{\"n\":tru}",
            "{\"event\":\"a\u0001b\"}", "{'event':'media'}", "{\"event\":\"media\"}}"})
    void refusesWhatIsNotThePlainShapeSoTheFullCodecDecides(String frame) {
        assertThat(scanner.scan(frame, values)).isFalse();
    }

    @Test
    void refusesEveryTruncationOfARecordedFrameWithoutThrowing() {
        String frame = Fixtures.read("twilio/media.json");
        for (int length = 0; length < frame.length(); length++) {
            assertThat(scanner.scan(frame.substring(0, length), values)).as("first %d chars", length).isFalse();
        }
    }

    @Test
    void tellsPlainAndBase64ValuesApart() {
        assertThat(JsonFieldScanner.plain("item_1:240")).isTrue();
        assertThat(JsonFieldScanner.plain("a\"b")).isFalse();
        assertThat(JsonFieldScanner.plain("a\\b")).isFalse();
        assertThat(JsonFieldScanner.plain("a\nb")).isFalse();
        // written byte for byte (AsciiFrames): anything past ASCII takes the JSON writer
        assertThat(JsonFieldScanner.plain("café")).isFalse();
        assertThat(JsonFieldScanner.plain("a\u007Fb")).isFalse();
        assertThat(JsonFieldScanner.base64("fv7+/g==")).isTrue();
        assertThat(JsonFieldScanner.base64("")).isFalse();
        assertThat(JsonFieldScanner.base64("fv7-_g")).isFalse();
    }
}
