package dev.voiceagent.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

class EventLoopsTest {

    /** Where each accepted socket's handler ran, and which loop the socket opened from there was served by. */
    private static final List<Optional<EventExecutor>> HANDLER_LOOPS = new CopyOnWriteArrayList<>();
    private static final HttpClient UPSTREAM_CLIENT = HttpClient.create(ConnectionProvider.newConnection());
    private static final DisposableServer UPSTREAM = HttpServer.create().port(0)
            .route(routes -> routes.ws("/echo", (in, out) -> out.sendString(in.receive().asString())))
            .bindNow();
    private static final DisposableServer RELAY = HttpServer.create().port(0)
            .route(routes -> routes.ws("/relay", (in, out) -> {
                Optional<EventExecutor> loop = EventLoops.current();
                HANDLER_LOOPS.add(loop);
                // a hop off the loop first, as a database check before the relay would make
                Mono<String> upstreamLoop = Mono.delay(Duration.ofMillis(5))
                        .then(EventLoops.colocatedOn(loop, UPSTREAM_CLIENT.websocket()
                                .uri("ws://localhost:" + UPSTREAM.port() + "/echo")
                                .handle((upIn, upOut) -> {
                                    EventLoop[] served = new EventLoop[1];
                                    upIn.withConnection(connection -> served[0] = connection.channel().eventLoop());
                                    return Mono.just(served[0] == loop.orElse(null) ? "same loop" : "other loop");
                                })
                                .next()));
                return out.sendString(upstreamLoop);
            }))
            .bindNow();

    @AfterAll
    static void stop() {
        RELAY.disposeNow();
        UPSTREAM.disposeNow();
    }

    @Test
    void namesTheEventLoopOfTheCallingThreadOnly() {
        assertThat(EventLoops.current()).isEmpty();
        int before = HANDLER_LOOPS.size();
        relayOnce();
        assertThat(HANDLER_LOOPS.subList(before, HANDLER_LOOPS.size())).singleElement()
                .satisfies(loop -> assertThat(loop).containsInstanceOf(EventLoop.class));
    }

    @Test
    void opensTheSecondSocketOnTheFirstSocketsLoop() {
        // several accepted sockets land on different loops (round robin); each relay's upstream must follow its own
        List<String> answers = Flux.range(0, 8).concatMap(i -> Mono.fromCallable(this::relayOnce)).collectList()
                .block(Duration.ofSeconds(30));
        assertThat(answers).hasSize(8).containsOnly("same loop");
    }

    @Test
    void leavesTheSubscriptionAloneWithoutALoop() {
        assertThat(EventLoops.colocatedOn(Optional.empty(), Mono.fromCallable(() -> Thread.currentThread().getName()))
                .block(Duration.ofSeconds(5))).isEqualTo(Thread.currentThread().getName());
    }

    private String relayOnce() {
        return HttpClient.create(ConnectionProvider.newConnection()).websocket()
                .uri("ws://localhost:" + RELAY.port() + "/relay")
                .handle((in, out) -> in.receive().asString().next())
                .blockFirst(Duration.ofSeconds(10));
    }
}
