package dev.voiceagent.bridge.twilio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.voiceagent.bridge.Fixtures;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Clear;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Connected;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Dtmf;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Mark;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Media;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Start;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage.Stop;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TwilioCodecTest {

    private static final String STREAM = "MZ18ad3ab5a668481ce02b83e7395059f0";
    private static final String CALL = "CA00000000000000000000000000000001";
    private final TwilioCodec codec = new TwilioCodec();

    static Stream<Arguments> recordedFrames() {
        return Stream.of(
                Arguments.of("connected.json", new Connected("Call", "1.0.0")),
                Arguments.of("start.json", new Start(STREAM, "AC00000000000000000000000000000000", CALL,
                        List.of("inbound"), Map.of("token", "tok-123"), "audio/x-mulaw", 8000, 1)),
                Arguments.of("media.json", new Media(STREAM, "inbound", "1", "5",
                        "fv7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/g==")),
                Arguments.of("dtmf.json", new Dtmf(STREAM, "inbound_track", "5")),
                Arguments.of("mark.json", new Mark(STREAM, "item_abc:240")),
                Arguments.of("stop.json", new Stop(STREAM, "AC00000000000000000000000000000000", CALL)),
                Arguments.of("outbound-clear.json", new Clear("MZ1")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordedFrames")
    void decodesRecordedFrames(String fixture, TwilioStreamMessage expected) {
        assertThat(codec.decode(Fixtures.read("twilio/" + fixture))).contains(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordedFrames")
    void encodingRoundTrips(String fixture, TwilioStreamMessage expected) {
        assertThat(codec.decode(codec.encode(expected))).contains(expected);
    }

    static Stream<Arguments> outboundFrames() {
        return Stream.of(
                Arguments.of("outbound-media.json", Media.outbound("MZ1", "//79/A==")),
                Arguments.of("outbound-mark.json", new Mark("MZ1", "item_1:500")),
                Arguments.of("outbound-clear.json", new Clear("MZ1")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("outboundFrames")
    void encodesFramesForTwilioExactly(String fixture, TwilioStreamMessage message) {
        assertThat(Fixtures.tree(codec.encode(message))).isEqualTo(Fixtures.tree(Fixtures.read("twilio/" + fixture)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"unknown-event.json"})
    void skipsUnknownEvents(String fixture) {
        assertThat(codec.decode(Fixtures.read("twilio/" + fixture))).isEqualTo(Optional.empty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "[1,2]", "{\"event\":\"media\"}", "{\"event\":\"mark\",\"mark\":{}}"})
    void rejectsMalformedFramesWithACodecError(String frame) {
        assertThatThrownBy(() -> codec.decode(frame)).isInstanceOf(TwilioCodecException.class);
    }

    @Test
    void decodesFramesTheFastPathRefusesExactlyAsTheFullDecoderDoes() {
        String base = "{\"event\":\"media\",\"streamSid\":\"MZ\\u0031\",\"media\":{\"track\":\"inbound\","
                + "\"chunk\":\"2\",\"timestamp\":\"40\",\"payload\":\"AAA\\/\"}}";
        assertThat(codec.decode(base)).contains(new Media("MZ1", "inbound", "2", "40", "AAA/"));
        assertThat(codec.decode("{\"event\":\"mark\",\"mark\":{\"name\":\"a\\\"b\"},\"streamSid\":\"MZ1\"}"))
                .contains(new Mark("MZ1", "a\"b"));
        assertThat(codec.decode("{\"event\":\"media\",\"media\":{\"payload\":\"not base64!\"}}"))
                .contains(new Media(null, null, null, null, "not base64!"));
    }

    @Test
    void decodesReorderedSpacedMediaFramesOnTheFastPath() {
        String frame = "{ \"media\" : {\"payload\":\"//79/A==\", \"timestamp\":\"20\",\"chunk\":\"1\","
                + "\"track\":\"inbound\"}, \"sequenceNumber\":\"4\", \"streamSid\":\"MZ9\", \"event\":\"media\" }";
        assertThat(codec.decode(frame)).contains(new Media("MZ9", "inbound", "1", "20", "//79/A=="));
    }

    @Test
    void rejectsEveryTruncatedMediaFrameWithACodecError() {
        String frame = Fixtures.read("twilio/media.json");
        for (int length = 1; length < frame.length(); length++) {
            String truncated = frame.substring(0, length);
            assertThatThrownBy(() -> codec.decode(truncated)).as("first %d chars", length)
                    .isInstanceOf(TwilioCodecException.class);
        }
    }

    @Test
    void decodesFramesFromAReusedBufferReadingOnlyTheirOwnBytes() {
        byte[] buffer = new byte[1024];
        java.util.Arrays.fill(buffer, (byte) '}');
        for (String fixture : List.of("media.json", "mark.json", "start.json", "stop.json")) {
            byte[] frame = Fixtures.read("twilio/" + fixture).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(frame, 0, buffer, 0, frame.length);
            assertThat(codec.decode(buffer, frame.length)).as(fixture)
                    .isEqualTo(codec.decode(Fixtures.read("twilio/" + fixture)));
            // what follows the frame in the buffer is never part of it: every truncation is refused
            for (int length = 1; length < frame.length; length++) {
                int cut = length;
                assertThatThrownBy(() -> codec.decode(buffer, cut)).as("%s, first %d bytes", fixture, cut)
                        .isInstanceOf(TwilioCodecException.class);
            }
        }
    }

    @Test
    void decodesFramesPastAsciiThroughTheFullDecoderReplacingMalformedUtf8() {
        String mark = "{\"event\":\"mark\",\"streamSid\":\"MZ1\",\"mark\":{\"name\":\"añadido ☎\"}}";
        assertThat(codec.decode(mark)).contains(new Mark("MZ1", "añadido ☎"));
        byte[] malformed = "{\"event\":\"mark\",\"streamSid\":\"MZ1\",\"mark\":{\"name\":\"a?b\"}}"
                .getBytes(StandardCharsets.UTF_8);
        malformed[malformed.length - 5] = (byte) 0xC3;
        assertThat(codec.decode(malformed, malformed.length)).contains(new Mark("MZ1", "a\uFFFDb"));
    }

    @Test
    void escapesValuesTheFastWriterCannotCarry() {
        Mark mark = new Mark("MZ\"1", "item\\x:20");
        assertThat(codec.decode(codec.encode(mark))).contains(mark);
        Media media = Media.outbound("MZ1", "not \"base64\"");
        assertThat(codec.decode(codec.encode(media))).contains(media);
    }

    @Test
    void writesFramesAsTheirUtf8BytesNonAsciiNamesIncluded() throws Exception {
        Media media = Media.outbound("MZ1", "fv7+/g==");
        assertThat(new String(codec.encodeUtf8(media), StandardCharsets.UTF_8))
                .isEqualTo("{\"event\":\"media\",\"streamSid\":\"MZ1\",\"media\":{\"payload\":\"fv7+/g==\"}}");
        // a name the byte writer must not copy char by char: the JSON writer's UTF-8 instead
        Mark mark = new Mark("MZ1", "añadido ☎ 𝄞");
        byte[] frame = codec.encodeUtf8(mark);
        assertThat(StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(frame)).toString())
                .isEqualTo(codec.encode(mark));
        assertThat(codec.decode(new String(frame, StandardCharsets.UTF_8))).contains(mark);
    }
}
