package dev.voiceagent.bridge;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Plays the gateway (relaying Twilio) against the bridge's internal media stream: sends Twilio frames, records
 * what comes back and, like Twilio after playback, echoes every mark.
 */
final class GatewaySide implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    final List<JsonNode> received = new CopyOnWriteArrayList<>();
    final AtomicReference<WebSocketCloseStatus> closeStatus = new AtomicReference<>();
    private final Sinks.Many<String> outgoing = Sinks.many().unicast().onBackpressureBuffer();
    private final Disposable connection;
    /** How many more marks to echo; negative: all of them. */
    private final java.util.concurrent.atomic.AtomicInteger marksToEcho = new java.util.concurrent.atomic.AtomicInteger(-1);

    private GatewaySide(String url, Map<String, String> headers) {
        this.connection = HttpClient.create()
                .headers(h -> headers.forEach(h::set))
                .websocket()
                .uri(url)
                .handle((in, out) -> {
                    Mono<Void> receiving = in.receive().asString().doOnNext(this::onFrame).then();
                    Mono<Void> closing = in.receiveCloseStatus().doOnNext(closeStatus::set).then();
                    Mono<Void> sending = out.sendString(outgoing.asFlux()).then().then(Mono.never());
                    return Mono.firstWithSignal(Mono.when(receiving, closing), sending);
                })
                .subscribe();
    }

    static GatewaySide connect(int port, Map<String, String> headers) {
        return new GatewaySide("ws://localhost:" + port + "/internal/v1/media-stream", headers);
    }

    /** Twilio's {@code start} for {@code callSid} on stream {@code streamSid}: one inbound μ-law track. */
    static String start(String callSid, String streamSid) {
        return "{\"event\":\"start\",\"sequenceNumber\":\"1\",\"streamSid\":\"" + streamSid + "\",\"start\":{\"streamSid\":\""
                + streamSid + "\",\"accountSid\":\"ACit\",\"callSid\":\"" + callSid + "\",\"tracks\":[\"inbound\"],"
                + "\"customParameters\":{},\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\",\"sampleRate\":8000,\"channels\":1}}}";
    }

    /** Twilio's {@code stop} for {@code callSid} on stream {@code streamSid}. */
    static String stop(String callSid, String streamSid) {
        return "{\"event\":\"stop\",\"streamSid\":\"" + streamSid + "\",\"stop\":{\"accountSid\":\"ACit\",\"callSid\":\""
                + callSid + "\"}}";
    }

    synchronized void send(String frame) {
        outgoing.tryEmitNext(frame).orThrow();
    }

    void sendAudio(String streamSid, byte[] mulaw) {
        for (int offset = 0; offset < mulaw.length; offset += 160) {
            byte[] frame = java.util.Arrays.copyOfRange(mulaw, offset, Math.min(mulaw.length, offset + 160));
            send("{\"event\":\"media\",\"streamSid\":\"" + streamSid + "\",\"media\":{\"track\":\"inbound\",\"chunk\":\""
                    + offset / 160 + "\",\"timestamp\":\"" + offset / 8 + "\",\"payload\":\""
                    + java.util.Base64.getEncoder().encodeToString(frame) + "\"}}");
        }
    }

    /**
     * Echoes only the next {@code count} marks and holds the rest, as Twilio does while the audio before them is still
     * playing; a negative count echoes every mark again.
     */
    void echoOnlyNextMarks(int count) {
        marksToEcho.set(count);
    }

    List<JsonNode> events(String event) {
        return received.stream().filter(n -> event.equals(n.path("event").asString())).toList();
    }

    private void onFrame(String frame) {
        JsonNode node = JSON.readTree(frame);
        // decided before the frame is visible in received: a test that has seen a mark knows its echo is settled
        if ("mark".equals(node.path("event").asString())
                && marksToEcho.getAndUpdate(n -> n > 0 ? n - 1 : n) != 0) {
            send(frame);
        }
        received.add(node);
    }

    @Override
    public void close() {
        connection.dispose();
    }

    static Duration timeout() {
        return Duration.ofSeconds(30);
    }
}
