package dev.voiceagent.bridge.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import dev.voiceagent.bridge.Fixtures;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.FunctionCallOutput;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.FunctionTool;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.InputAudioAppend;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.ItemTruncate;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.ResponseCreate;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.SessionUpdate;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.Tracing;
import dev.voiceagent.bridge.realtime.RealtimeClientEvent.UserText;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.Error;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.FunctionCallArgumentsDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.InputTranscriptionCompleted;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.OutputAudioDelta;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.OutputAudioDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.OutputAudioTranscriptDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.ResponseCreated;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.ResponseDone;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SessionCreated;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SessionUpdated;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SpeechStarted;
import dev.voiceagent.bridge.realtime.RealtimeServerEvent.SpeechStopped;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

class RealtimeCodecTest {

    private static final String RESP = "resp_CCXGRxbY0n6WE4EszhENb";
    private static final String ITEM = "item_CCXGRFAo6Ad7TuXTtOIMq";
    private final RealtimeCodec codec = new RealtimeCodec();

    static Stream<Arguments> serverEvents() {
        return Stream.of(
                Arguments.of("session.created", new SessionCreated("sess_C9G5QPteg4UIbotdKLoYQ")),
                Arguments.of("session.updated", new SessionUpdated("sess_C9G5QPteg4UIbotdKLoYQ")),
                Arguments.of("input_audio_buffer.speech_started",
                        new SpeechStarted("item_CAB8uJhjn1zA6XuDnyyC5", 1728)),
                Arguments.of("input_audio_buffer.speech_stopped",
                        new SpeechStopped("item_CAB8uJhjn1zA6XuDnyyC5", 2560)),
                Arguments.of("conversation.item.input_audio_transcription.completed",
                        new InputTranscriptionCompleted("item_CCXGQ4e1ht4cOraEYcuR2", "Hey, can you hear me?")),
                Arguments.of("response.created", new ResponseCreated("resp_C9G8p7IH2WxLbkgPNouYL")),
                Arguments.of("response.output_audio.delta",
                        new OutputAudioDelta(RESP, ITEM, "//79/Pv6+fj39vX08/Lx8A==")),
                Arguments.of("response.output_audio.done", new OutputAudioDone(RESP, ITEM)),
                Arguments.of("response.output_audio_transcript.done",
                        new OutputAudioTranscriptDone(RESP, ITEM, "Loud and clear! How can I help?")),
                Arguments.of("response.function_call_arguments.done",
                        new FunctionCallArgumentsDone("resp_Ad9kxOmB1EfJYWl5iUZbG", "item_Ad9kyBqXc1FhGoXBPlKzJ",
                                "call_4GhG0uVJ7VKzE5Bg", "lookup", "{\"account_number\":\"12345\"}")),
                Arguments.of("response.done", new ResponseDone(RESP, "completed")),
                Arguments.of("response.done.failed",
                        new ResponseDone("resp_CCXIzq7Wm2sKp9TtV4nRd", "failed", "rate_limit_exceeded")),
                Arguments.of("error", new Error("invalid_request_error", "invalid_event",
                        "The 'type' field is missing.", "event_567")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serverEvents")
    void decodesRecordedServerEvents(String fixture, RealtimeServerEvent expected) {
        assertThat(codec.decode(Fixtures.read("realtime/server/" + fixture + ".json"))).contains(expected);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rate_limits.updated", "response.output_audio_transcript.delta",
            "conversation.item.added", "future.event"})
    void skipsEventsTheBridgeDoesNotUseWithoutThrowingAndLogsThemAtDebug(String fixture) {
        String frame = Fixtures.read("realtime/server/" + fixture + ".json");
        String type = frame.replaceAll("(?s)^.*?\"type\"\\s*:\\s*\"([^\"]+)\".*", "$1");
        Logger logger = (Logger) LoggerFactory.getLogger(RealtimeCodec.class);
        Level level = logger.getLevel();
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        logger.setLevel(Level.DEBUG);
        try {
            assertThat(codec.decode(frame)).isEmpty();
        } finally {
            logger.detachAppender(logged);
            logger.setLevel(level);
        }
        assertThat(logged.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.DEBUG);
            assertThat(event.getFormattedMessage()).isEqualTo("skipping realtime event '" + type + "'");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "[]"})
    void reportsFramesThatAreNotJsonObjects(String frame) {
        assertThatThrownBy(() -> codec.decode(frame)).isInstanceOf(RealtimeCodecException.class);
    }

    static Stream<Arguments> clientEvents() {
        return Stream.of(
                Arguments.of("input_audio_buffer.append", new InputAudioAppend("fv7+/v7+/g==")),
                Arguments.of("conversation.item.create.dtmf", new UserText("[DTMF 5]")),
                Arguments.of("conversation.item.create.function_call_output",
                        new FunctionCallOutput("call_4GhG0uVJ7VKzE5Bg", "{\"found\":true}")),
                Arguments.of("response.create", new ResponseCreate(null)),
                Arguments.of("response.create.instructions", new ResponseCreate("Say hello.")),
                Arguments.of("conversation.item.truncate", new ItemTruncate("item_1", 0, 1500)),
                Arguments.of("session.update", new SessionUpdate("gpt-realtime", "Be brief.", "alloy",
                        "gpt-4o-mini-transcribe", "en", List.of(new FunctionTool("noop", "Does nothing.",
                                Map.of("type", "object", "properties", Map.of()))))),
                Arguments.of("session.update.traced", new SessionUpdate("gpt-realtime", "Be brief.", "alloy",
                        "gpt-4o-mini-transcribe", "en", List.of(new FunctionTool("noop", "Does nothing.",
                                Map.of("type", "object", "properties", Map.of()))))
                        .traced(new Tracing("voice-agent support", "CA0123456789abcdef0123456789abcdef",
                                Map.of("call_sid", "CA0123456789abcdef0123456789abcdef", "tenant_id", "demo",
                                        "agent_key", "support", "agent_version_id", "support-v2")))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clientEvents")
    void encodesClientEventsAsTheGaProtocolSpellsThem(String fixture, RealtimeClientEvent event) {
        assertThat(Fixtures.tree(codec.encode(event)))
                .isEqualTo(Fixtures.tree(Fixtures.read("realtime/client/" + fixture + ".json")));
    }

    @Test
    void decodesAudioDeltasTheFastPathRefusesExactlyAsTheFullDecoderDoes() {
        assertThat(codec.decode("{\"type\":\"response.output_audio.delta\",\"item_id\":\"it\\u0065m\","
                + "\"response_id\":\"r\",\"delta\":\"AA\\/A\"}")).contains(new OutputAudioDelta("r", "item", "AA/A"));
        assertThat(codec.decode("{\"delta\":\"AAAA\",\"content_index\":0,\"type\":\"response.output_audio.delta\","
                + "\"output_index\":0,\"item_id\":\"i\",\"response_id\":\"r\"}"))
                .contains(new OutputAudioDelta("r", "i", "AAAA"));
        assertThat(codec.decode("{\"type\":\"response.output_audio.delta\",\"item_id\":null,\"delta\":\"AAAA\"}"))
                .contains(new OutputAudioDelta(null, null, "AAAA"));
    }

    @Test
    void decodesFramesFromAReusedBufferReadingOnlyTheirOwnBytes() {
        byte[] buffer = new byte[4096];
        java.util.Arrays.fill(buffer, (byte) '}');
        for (String fixture : List.of("response.output_audio.delta", "response.output_audio_transcript.done")) {
            String json = Fixtures.read("realtime/server/" + fixture + ".json");
            byte[] frame = json.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(frame, 0, buffer, 0, frame.length);
            assertThat(codec.decode(buffer, frame.length)).as(fixture).isEqualTo(codec.decode(json)).isPresent();
            for (int length = 1; length < frame.length; length++) {
                int cut = length;
                assertThatThrownBy(() -> codec.decode(buffer, cut)).as("%s, first %d bytes", fixture, cut)
                        .isInstanceOf(RealtimeCodecException.class);
            }
        }
    }

    @Test
    void decodesTranscriptsPastAsciiAndReplacesMalformedUtf8() {
        byte[] frame = ("{\"type\":\"response.output_audio_transcript.done\",\"response_id\":\"r\","
                + "\"item_id\":\"i\",\"transcript\":\"¿Qué tal? ☎ x\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(codec.decode(frame, frame.length))
                .contains(new OutputAudioTranscriptDone("r", "i", "¿Qué tal? ☎ x"));
        frame[frame.length - 3] = (byte) 0xE2;
        assertThat(codec.decode(frame, frame.length))
                .contains(new OutputAudioTranscriptDone("r", "i", "¿Qué tal? ☎ \uFFFD"));
    }

    @Test
    void rejectsEveryTruncatedAudioDeltaWithACodecError() {
        String frame = Fixtures.read("realtime/server/response.output_audio.delta.json");
        for (int length = 1; length < frame.length(); length++) {
            String truncated = frame.substring(0, length);
            assertThatThrownBy(() -> codec.decode(truncated)).as("first %d chars", length)
                    .isInstanceOf(RealtimeCodecException.class);
        }
    }

    @Test
    void escapesAudioTheFastWriterCannotCarry() {
        assertThat(Fixtures.tree(codec.encode(new InputAudioAppend("a\"b"))).path("audio").asString())
                .isEqualTo("a\"b");
    }

    @Test
    void writesAudioAsTheBytesOfTheJsonWritersFrame() {
        InputAudioAppend plain = new InputAudioAppend("fv7+/g==");
        byte[] written = JsonMapper.builder().build().writeValueAsBytes(codec.toJson(plain));
        assertThat(codec.encodeUtf8(plain)).isEqualTo(written);
        // not ASCII: the JSON writer's UTF-8, not a char-by-char copy
        InputAudioAppend accented = new InputAudioAppend("é☎");
        String frame = new String(codec.encodeUtf8(accented), StandardCharsets.UTF_8);
        assertThat(Fixtures.tree(frame).path("audio").asString()).isEqualTo("é☎");
    }
}
