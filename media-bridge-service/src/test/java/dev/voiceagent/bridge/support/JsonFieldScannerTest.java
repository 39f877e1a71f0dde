package dev.voiceagent.bridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.bridge.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonFieldScannerTest {

    private final JsonFieldScanner scanner = new JsonFieldScanner("event", "streamSid", "media.payload", "media.track");
    private final String[] values = new String[4];

    @Test
    void readsTheFieldsOfARecordedMediaFrame() {
        assertThat(scan(Fixtures.read("twilio/media.json"))).isTrue();
        assertThat(values).containsExactly("media", "MZ18ad3ab5a668481ce02b83e7395059f0",
                "fv7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/g==", "inbound");
    }

    @Test
    void readsFieldsInAnyOrderAroundWhitespaceNumbersAndLiterals() {
        String frame = " {\n \"media\" : { \"n\": -1.5e+3, \"payload\":\"AAAA\", \"x\": null },\t\"flag\":true,"
                + "\"other\":false, \"count\":0, \"event\":\"media\" } ";
        assertThat(scan(frame)).isTrue();
        assertThat(values).containsExactly("media", null, "AAAA", null);
    }

    @Test
    void matchesNestedFieldsOnlyUnderTheirParent() {
        assertThat(scan("{\"event\":\"x\",\"start\":{\"streamSid\":\"MZ1\",\"payload\":\"P\"},"
                + "\"payload\":\"Q\"}")).isTrue();
        assertThat(values).containsExactly("x", null, null, null);
    }

    @Test
    void readsAHugePayloadInOnePass() {
        String payload = "A".repeat(4 << 20);
        assertThat(scan("{\"event\":\"media\",\"media\":{\"payload\":\"" + payload + "\"}}")).isTrue();
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
        assertThat(scan(frame)).isFalse();
    }

    @Test
    void refusesEveryTruncationOfARecordedFrameWithoutThrowing() {
        String frame = Fixtures.read("twilio/media.json");
        for (int length = 0; length < frame.length(); length++) {
            assertThat(scan(frame.substring(0, length))).as("first %d chars", length).isFalse();
        }
    }

    @Test
    void readsOnlyTheGivenLengthOfAReusedBuffer() {
        // a reused buffer holds the rest of a longer frame after this one's end: none of it may be read
        byte[] frame = Fixtures.read("twilio/media.json").getBytes(StandardCharsets.UTF_8);
        for (int length = 0; length < frame.length; length++) {
            assertThat(scanner.scan(frame, length, values)).as("first %d bytes", length).isFalse();
        }
        byte[] reused = Arrays.copyOf("{\"event\":\"mark\"}".getBytes(StandardCharsets.UTF_8), 64);
        byte[] rest = ",\"streamSid\":\"MZ2\"}".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(rest, 0, reused, 16, rest.length);
        assertThat(scanner.scan(reused, 16, values)).isTrue();
        assertThat(values).containsExactly("mark", null, null, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"event\":\"café\"}", "{\"évent\":\"media\"}", "{\"event\":\"media\",\"note\":\"☎\"}"})
    void refusesBytesPastAsciiInsideStringsSoTheFullCodecDecodesThem(String frame) {
        assertThat(scan(frame)).isFalse();
    }

    @Test
    void refusesMalformedUtf8() {
        byte[] frame = "{\"event\":\"media\",\"note\":\"a?b\"}".getBytes(StandardCharsets.UTF_8);
        frame[frame.length - 4] = (byte) 0xC3;
        assertThat(scanner.scan(frame, frame.length, values)).isFalse();
    }

    private boolean scan(String frame) {
        byte[] utf8 = frame.getBytes(StandardCharsets.UTF_8);
        return scanner.scan(utf8, utf8.length, values);
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
