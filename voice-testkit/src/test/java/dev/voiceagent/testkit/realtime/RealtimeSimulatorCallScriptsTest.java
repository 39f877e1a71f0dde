package dev.voiceagent.testkit.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.testkit.audio.Tones;
import dev.voiceagent.testkit.scenario.CallScripts;
import dev.voiceagent.testkit.scenario.ModelAction;
import dev.voiceagent.testkit.scenario.Scenario;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Sessions pick the script of the call their {@code session.update} is traced for, each its own, at once. */
class RealtimeSimulatorCallScriptsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Scenario DEFAULT = Scenario.builder("default").turn("Default words.",
            ModelAction.say("Default answer.")).build();
    private static final Scenario BALANCE = Scenario.builder("balance").turn("What is my balance?",
            ModelAction.callTool("update_session", Map.of("intent", "balance"))).build();
    private static final Scenario TRANSFER = Scenario.builder("transfer").turn("Put me through to a person.",
            ModelAction.callTool("sms", Map.of("body", "out of scope"))).build();

    private final CallScripts scripts = new CallScripts(Duration.ofMinutes(1));
    private final RealtimeSimulator simulator = RealtimeSimulator.start(0, DEFAULT, scripts);

    @AfterEach
    void stop() {
        simulator.close();
    }

    @Test
    void twoConcurrentSessionsPlayTheScriptsOfTheirOwnCalls() {
        scripts.claim(scripts.register(BALANCE), "CA-balance");
        scripts.claim(scripts.register(TRANSFER), "CA-transfer");

        StepVerifier.create(Mono.zip(firstTurn(tracedFor("CA-transfer")), firstTurn(tracedFor("CA-balance")),
                        firstTurn("{\"type\":\"realtime\"}")))
                .assertNext(turns -> {
                    assertThat(turns.getT1()).containsExactly("Put me through to a person.", "call:sms");
                    assertThat(turns.getT2()).containsExactly("What is my balance?", "call:update_session");
                    assertThat(turns.getT3()).as("untraced: the default scenario")
                            .containsExactly("Default words.", "say:Default answer.");
                })
                .verifyComplete();
        assertThat(simulator.sessions()).extracting(ObservedSession::script)
                .containsExactlyInAnyOrder("balance", "transfer", null);
    }

    @Test
    void findsTheCallByGroupIdWhenTheMetadataDoesNotNameIt() {
        scripts.claim(scripts.register(BALANCE), "CA-group");

        StepVerifier.create(firstTurn("{\"type\":\"realtime\",\"tracing\":{\"workflow_name\":\"w\","
                        + "\"group_id\":\"CA-group\"}}"))
                .assertNext(turn -> assertThat(turn).containsExactly("What is my balance?", "call:update_session"))
                .verifyComplete();
    }

    private static String tracedFor(String callSid) {
        return "{\"type\":\"realtime\",\"tracing\":{\"workflow_name\":\"voice-agent call\",\"group_id\":\"g\","
                + "\"metadata\":{\"call_sid\":\"" + callSid + "\",\"tenant_id\":\"demo\"}}}";
    }

    /** Configures a session, speaks once, and answers the caller transcript and the model's first action. */
    private Mono<List<String>> firstTurn(String session) {
        List<String> frames = new ArrayList<>();
        frames.add("{\"type\":\"session.update\",\"session\":" + session + "}");
        byte[] audio = concat(Tones.silence(200), Tones.tone(500, 300), Tones.silence(400));
        for (int offset = 0; offset < audio.length; offset += 160) {
            byte[] frame = java.util.Arrays.copyOfRange(audio, offset, offset + 160);
            frames.add("{\"type\":\"input_audio_buffer.append\",\"audio\":\""
                    + Base64.getEncoder().encodeToString(frame) + "\"}");
        }
        return HttpClient.create().websocket().uri(simulator.url())
                .handle((in, out) -> Flux.merge(
                        out.sendString(Flux.fromIterable(frames)).then().then(Mono.<String>never()),
                        in.receive().asString().map(JSON::readTree).flatMap(RealtimeSimulatorCallScriptsTest::step)))
                .take(2)
                .collectList()
                .timeout(Duration.ofSeconds(10));
    }

    private static Flux<String> step(JsonNode event) {
        return switch (event.path("type").asString()) {
            case "conversation.item.input_audio_transcription.completed" -> Flux.just(event.path("transcript").asString());
            case "response.function_call_arguments.done" -> Flux.just("call:" + event.path("name").asString());
            case "response.output_audio_transcript.done" -> Flux.just("say:" + event.path("transcript").asString());
            default -> Flux.empty();
        };
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
