package dev.voiceagent.support;

import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * A lifecycle bean that runs one reactive loop (a timer, a queue, an outbox relay) from the context's start, once
 * the schema is migrated and every bean is ready, to its stop: subclasses say what the loop is; it is subscribed
 * once and disposed on stop.
 */
public abstract class BackgroundLoop implements SmartLifecycle {

    private Disposable running;

    /** The loop, subscribed on start; its passes handle their own errors, so it runs until disposed. */
    protected abstract Flux<?> loop();

    /**
     * Before the web server starts and after it has stopped (it starts at {@code DEFAULT_PHASE - 2048}): what requests
     * hand to a loop (queued sends, session records) is consumed from the first request to the last one of a
     * graceful shutdown.
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }

    @Override
    public synchronized void start() {
        if (running == null) {
            running = loop().subscribe();
        }
    }

    @Override
    public synchronized void stop() {
        if (running != null) {
            running.dispose();
            running = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return running != null;
    }
}
