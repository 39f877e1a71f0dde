package dev.voiceagent.testkit.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.testkit.audio.Tones;
import dev.voiceagent.testkit.scenario.ModelAction;
import dev.voiceagent.testkit.scenario.Scenario;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class RealtimeSimulatorTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Scenario SCENARIO = Scenario.builder("balance")
            .greeting("Hello there.")
            .turn("What is my balance?", ModelAction.callTool("lookup", Map.of("account_number", "1001")),
                    ModelAction.say("Your balance is {balance} {currency}."))
            .build();

    private RealtimeSimulator simulator;
    private Client client;

    @BeforeEach
    void start() {
        simulator = RealtimeSimulator.start(0, SCENARIO).requireApiKey("sk-test");
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        simulator.close();
    }

    @Test
    void runsAToolTurnFromCallerAudio() throws Exception {
        client = Client.connect(simulator.url() + "?model=gpt-realtime", "Bearer sk-test");
        JsonNode created = client.await("session.created");
        assertThat(created.path("session").path("id").asString()).startsWith("sess_");

        client.send("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"instructions\":\"Be brief.\","
                + "\"audio\":{\"input\":{\"format\":{\"type\":\"audio/pcmu\"},\"turn_detection\":{\"type\":\"server_vad\"}}}}}");
        assertThat(client.await("session.updated").path("session").path("instructions").asString()).isEqualTo("Be brief.");

        client.send("{\"type\":\"response.create\"}");
        assertThat(client.await("response.output_audio_transcript.done").path("transcript").asString()).isEqualTo("Hello there.");
        assertThat(client.await("response.done").path("response").path("status").asString()).isEqualTo("completed");

        client.appendAudio(Tones.silence(200));
        client.appendAudio(Tones.tone(500, 300));
        client.appendAudio(Tones.silence(400));

        JsonNode started = client.await("input_audio_buffer.speech_started");
        assertThat(started.path("audio_start_ms").asLong()).isBetween(180L, 240L);
        JsonNode stopped = client.await("input_audio_buffer.speech_stopped");
        assertThat(stopped.path("audio_end_ms").asLong()).isBetween(660L, 740L);
        assertThat(client.await("input_audio_buffer.committed").path("item_id").asString())
                .isEqualTo(started.path("item_id").asString());
        assertThat(client.await("conversation.item.input_audio_transcription.completed").path("transcript").asString())
                .isEqualTo("What is my balance?");
        JsonNode call = client.await("response.function_call_arguments.done");
        assertThat(call.path("name").asString()).isEqualTo("lookup");
        assertThat(JSON.readTree(call.path("arguments").asString()).path("account_number").asString()).isEqualTo("1001");
        assertThat(client.await("response.output_item.done").path("item").path("type").asString()).isEqualTo("function_call");

        client.send("{\"type\":\"conversation.item.create\",\"item\":{\"type\":\"function_call_output\",\"call_id\":\""
                + call.path("call_id").asString() + "\",\"output\":\"{\\\"balance\\\":250.75,\\\"currency\\\":\\\"USD\\\"}\"}}");
        client.send("{\"type\":\"response.create\"}");

        JsonNode delta = client.await("response.output_audio.delta");
        assertThat(Base64.getDecoder().decode(delta.path("delta").asString())).isNotEmpty();
        assertThat(delta.path("response_id").asString()).startsWith("resp_");
        assertThat(client.await("response.output_audio_transcript.done").path("transcript").asString())
                .isEqualTo("Your balance is 250.75 USD.");

        client.send("{\"type\":\"conversation.item.truncate\",\"item_id\":\"" + delta.path("item_id").asString()
                + "\",\"content_index\":0,\"audio_end_ms\":120}");
        assertThat(client.await("conversation.item.truncated").path("audio_end_ms").asLong()).isEqualTo(120);

        ObservedSession session = simulator.sessions().get(0);
        assertThat(session.authorization()).isEqualTo("Bearer sk-test");
        assertThat(session.model()).isEqualTo("gpt-realtime");
        assertThat(session.lastSessionUpdate().path("instructions").asString()).isEqualTo("Be brief.");
        assertThat(session.functionCallOutputs()).extracting(ObservedSession.FunctionCallOutput::callId)
                .containsExactly(call.path("call_id").asString());
        assertThat(session.truncations()).containsExactly(
                new ObservedSession.Truncation(delta.path("item_id").asString(), 0, 120));
        assertThat(session.count("input_audio_buffer.append")).isGreaterThan(50);
        assertThat(session.agentTranscripts()).containsExactly("Hello there.", "Your balance is 250.75 USD.");
    }

    @Test
    void answersMalformedAndUnknownEventsWithErrorsAndStaysOpen() throws Exception {
        client = Client.connect(simulator.url(), "Bearer sk-test");
        client.await("session.created");

        client.send("{this is not json");
        JsonNode error = client.await("error");
        assertThat(error.path("error").path("type").asString()).isEqualTo("invalid_request_error");

        client.send("{\"type\":\"no.such.event\",\"event_id\":\"evt_1\"}");
        JsonNode unknown = client.await("error");
        assertThat(unknown.path("error").path("event_id").asString()).isEqualTo("evt_1");

        client.send("{\"type\":\"session.update\",\"session\":{}}");
        assertThat(client.await("session.updated")).isNotNull();
    }

    @Test
    void silenceNeverProducesSpeechEvents() throws Exception {
        client = Client.connect(simulator.url(), "Bearer sk-test");
        client.await("session.created");
        client.appendAudio(Tones.silence(2000));
        client.send("{\"type\":\"session.update\",\"session\":{}}");

        client.await("session.updated");
        assertThat(client.seen()).noneMatch(type -> type.startsWith("input_audio_buffer."));
    }

    @Test
    void rejectsAWrongApiKey() {
        StepVerifier.create(HttpClient.create()
                        .headers(h -> h.set("Authorization", "Bearer wrong"))
                        .websocket().uri(simulator.url())
                        .handle((in, out) -> in.receive().then()))
                .expectErrorMatches(e -> e.getMessage().contains("401"))
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void aRefusingModelAnswersTheHandshakeWithItsStatusForTheBoundedNumberOfSessions() throws Exception {
        simulator.useFault(RealtimeFault.refuse(503).forSessions(1));

        StepVerifier.create(HttpClient.create()
                        .headers(h -> h.set("Authorization", "Bearer sk-test"))
                        .websocket().uri(simulator.url())
                        .handle((in, out) -> in.receive().then()))
                .expectErrorMatches(e -> e.getMessage().contains("503"))
                .verify(Duration.ofSeconds(5));
        assertThat(simulator.faultsPlayed(RealtimeFault.Kind.REFUSE)).isEqualTo(1);

        client = Client.connect(simulator.url(), "Bearer sk-test");
        assertThat(client.await("session.created")).isNotNull();
        assertThat(simulator.faultsPlayed(RealtimeFault.Kind.REFUSE)).isEqualTo(1);
    }

    @Test
    void aDroppingModelClosesTheConnectionWithoutACloseFrameMidResponse() throws Exception {
        simulator.useFault(RealtimeFault.dropMidResponse(1));
        client = Client.connect(simulator.url(), "Bearer sk-test");
        client.await("session.created");

        client.send("{\"type\":\"response.create\"}");

        client.await("response.output_audio.delta");
        assertThat(client.awaitClosed()).as("close status").isEqualTo(-1);
        assertThat(client.seen()).doesNotContain("response.done");
        assertThat(simulator.faultsPlayed(RealtimeFault.Kind.DROP)).isEqualTo(1);
        assertThat(simulator.sessions().get(0).fault()).isEqualTo("drop");
    }

    @Test
    void aStallingModelSendsNothingMoreMidResponseAndKeepsTheSocketOpen() throws Exception {
        simulator.useFault(RealtimeFault.stallMidResponse(1));
        client = Client.connect(simulator.url(), "Bearer sk-test");
        client.await("session.created");

        client.send("{\"type\":\"response.create\"}");
        client.await("response.output_audio.delta");
        client.send("{\"type\":\"session.update\",\"session\":{}}");

        assertThat(client.inbound.poll(1, TimeUnit.SECONDS)).as("an event after the stall").isNull();
        assertThat(client.closed.isDone()).isFalse();
        assertThat(simulator.faultsPlayed(RealtimeFault.Kind.STALL)).isEqualTo(1);
    }

    /** A blocking test client over a real Reactor Netty WebSocket. */
    private static final class Client implements AutoCloseable {
        private final Sinks.Many<String> outbound = Sinks.many().unicast().onBackpressureBuffer();
        private final BlockingQueue<JsonNode> inbound = new LinkedBlockingQueue<>();
        private final List<String> seen = new ArrayList<>();
        /** The close code the server sent, or -1 when the connection ended without a close frame. */
        private final java.util.concurrent.CompletableFuture<Integer> closed = new java.util.concurrent.CompletableFuture<>();
        private final Disposable connection;

        private Client(String url, String authorization) {
            connection = HttpClient.create()
                    .headers(h -> h.set("Authorization", authorization))
                    .websocket().uri(url)
                    .handle((in, out) -> {
                        in.receiveCloseStatus().subscribe(status -> closed.complete(status.code()));
                        in.withConnection(c -> c.onDispose(() -> closed.complete(-1)));
                        return Mono.when(out.sendString(outbound.asFlux()).then(),
                                in.receive().asString().doOnNext(frame -> inbound.add(JSON.readTree(frame))).then());
                    })
                    .subscribe();
        }

        int awaitClosed() throws Exception {
            return closed.get(5, TimeUnit.SECONDS);
        }

        static Client connect(String url, String authorization) {
            return new Client(url, authorization);
        }

        synchronized void send(String frame) {
            outbound.tryEmitNext(frame);
        }

        void appendAudio(byte[] mulaw) {
            for (int offset = 0; offset < mulaw.length; offset += 160) {
                byte[] frame = Arrays.copyOfRange(mulaw, offset, Math.min(mulaw.length, offset + 160));
                send("{\"type\":\"input_audio_buffer.append\",\"audio\":\"" + Base64.getEncoder().encodeToString(frame) + "\"}");
            }
        }

        JsonNode await(String type) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline) {
                JsonNode event = inbound.poll(100, TimeUnit.MILLISECONDS);
                if (event != null) {
                    seen.add(event.path("type").asString());
                    if (type.equals(event.path("type").asString())) {
                        return event;
                    }
                }
            }
            throw new AssertionError("no " + type + " within 5 s; saw " + seen);
        }

        List<String> seen() {
            return seen;
        }

        @Override
        public void close() {
            outbound.tryEmitComplete();
            connection.dispose();
        }
    }
}
