package dev.voiceagent.bridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.testkit.reactor.CountedContextValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.util.context.Context;

class InboundFramesTest {

    private static final int FRAMES = 400;

    /**
     * With automatic context propagation on (as in every service), each frame Reactor Netty's receive delivers sets
     * the subscriber context's thread-locals; read through {@link InboundFrames}, the same frames set none (the
     * connection's setup and end still do). Should Reactor stop recognising the publisher as one of its own, the
     * count rises and this fails.
     */
    @Test
    void framesReadThroughItRestoreNoThreadLocalsWhereReactorNettysReceiveRestoresEach() {
        boolean wasEnabled = Hooks.isAutomaticContextPropagationEnabled();
        Hooks.enableAutomaticContextPropagation();
        DisposableServer server = HttpServer.create().port(0)
                .handle((request, response) -> response.sendWebsocket((in, out) ->
                        out.sendString(Flux.range(0, FRAMES).map(i -> "{\"type\":\"frame\",\"n\":" + i + "}"))))
                .bindNow();
        try (CountedContextValue call = CountedContextValue.register("inbound-frames-test")) {
            // sets only: clears come from every pipeline of the JVM whose context lacks the value (the server's too)
            List<String> direct = read(server, in -> InboundFrames.decoded(in, 65536, (frame, length) ->
                    new String(frame, 0, length, StandardCharsets.UTF_8)), call);
            int restoresDirect = call.sets();
            List<String> viaReceive = read(server, in -> in.receive().asString(), call);
            int restoresViaReceive = call.sets() - restoresDirect;

            assertThat(direct).containsExactlyElementsOf(IntStream.range(0, FRAMES)
                    .mapToObj(i -> "{\"type\":\"frame\",\"n\":" + i + "}").toList());
            assertThat(viaReceive).isEqualTo(direct);
            assertThat(restoresViaReceive).as("sets through Reactor Netty's receive, for %d frames", FRAMES)
                    .isGreaterThanOrEqualTo(FRAMES);
            // what is left is the connection's setup and end (about 45 sets whatever the number of frames)
            assertThat(restoresDirect).as("sets through InboundFrames, for %d frames", FRAMES)
                    .isLessThan(FRAMES / 4);
        } finally {
            server.disposeNow();
            if (!wasEnabled) {
                Hooks.disableAutomaticContextPropagation();
            }
        }
    }

    private static List<String> read(DisposableServer server, Function<WebsocketInbound, Flux<String>> frames,
                                     CountedContextValue call) {
        return HttpClient.create().websocket().uri("ws://localhost:" + server.port() + "/")
                .handle((in, out) -> frames.apply(in).take(FRAMES))
                .collectList()
                // after collectList: a contextWrite restores the thread-locals around every item it passes on
                .contextWrite(Context.of(call.key(), "call"))
                .block(Duration.ofSeconds(10));
    }
}
