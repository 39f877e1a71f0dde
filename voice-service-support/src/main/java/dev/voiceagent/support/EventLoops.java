package dev.voiceagent.support;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.Optional;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Keeps a relay's two sockets on one event loop. A frame read on one socket and written to another that another
 * event loop serves is handed over as a task, and, when that loop sleeps, wakes it: at 50 frames a second each way
 * per call, those hand-overs and wake-ups cost more than the relaying. Reactor Netty opens a client connection on the
 * event loop it is opened from (its loop resources are colocated by default), so opening the second socket from the
 * first socket's loop puts both on one thread, and every frame is then written where it was read.
 */
public final class EventLoops {

    private EventLoops() {
    }

    /**
     * The Netty event loop running the calling thread, if it is one: called where a socket's handler starts (a
     * WebSocket handler is invoked on its connection's loop), it names that socket's loop. Netty's thread-to-executor
     * map is an internal API; {@code EventLoopsTest} proves that it still names the loop.
     */
    public static Optional<EventExecutor> current() {
        return Optional.ofNullable(ThreadExecutorMap.currentExecutor());
    }

    /**
     * {@code connect} subscribed on {@code loop}, so that a Reactor Netty connection it opens is served by that loop;
     * unchanged where there is no loop.
     */
    public static <T> Mono<T> colocatedOn(Optional<EventExecutor> loop, Mono<T> connect) {
        return loop.map(executor -> connect.subscribeOn(Schedulers.fromExecutor(executor))).orElse(connect);
    }
}
