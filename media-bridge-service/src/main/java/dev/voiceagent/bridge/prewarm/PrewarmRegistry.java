package dev.voiceagent.bridge.prewarm;

import dev.voiceagent.bridge.realtime.ModelConnection;
import dev.voiceagent.bridge.realtime.RealtimeClient;
import dev.voiceagent.bridge.session.CallContext;
import dev.voiceagent.bridge.session.ModelLinks;
import dev.voiceagent.bridge.session.SessionSetup;
import dev.voiceagent.bridge.support.BridgeMetrics;
import dev.voiceagent.bridge.support.BridgeProperties;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Fast first turn. Holds model sessions opened and configured ahead of their media stream (by the prewarm
 * endpoint, at incoming-call time), each for a bounded time, and an optional warm pool of pre-opened, not yet
 * configured connections per model. A stream that arrives in time takes its prewarmed session over; otherwise
 * sessions take a pooled connection, or open a fresh one.
 */
public class PrewarmRegistry implements ModelLinks, Disposable {

    private static final Logger log = LoggerFactory.getLogger(PrewarmRegistry.class);

    private final RealtimeClient client;
    private final BridgeProperties.Prewarm settings;
    private final int laneCapacity;
    private final BridgeMetrics metrics;
    private final Scheduler clock;
    private final Map<String, Prewarmed> byCall = new ConcurrentHashMap<>();
    private final Map<String, ArrayDeque<ModelConnection>> pool = new ConcurrentHashMap<>();
    private final Disposable maintenance;

    public PrewarmRegistry(RealtimeClient client, BridgeProperties bridge, BridgeMetrics metrics, Scheduler clock,
                           String defaultModel) {
        this.client = client;
        this.settings = bridge.prewarm();
        this.laneCapacity = bridge.modelQueueFrames();
        this.metrics = metrics;
        this.clock = clock;
        if (settings.poolSize() > 0) {
            pool.put(defaultModel, new ArrayDeque<>());
            Duration every = settings.poolMaxAge().dividedBy(4).compareTo(Duration.ofSeconds(1)) < 0
                    ? Duration.ofSeconds(1) : settings.poolMaxAge().dividedBy(4);
            this.maintenance = Flux.interval(Duration.ZERO, every, clock).subscribe(tick -> refillPools());
        } else {
            this.maintenance = Disposables.disposed();
        }
    }

    /** What a prewarm request achieved. */
    public enum Result { PREWARMED, ALREADY_PREWARMED, TOO_MANY }

    /** Opens (or takes from the pool) and configures the call's model session, kept for the prewarm TTL. */
    public Result prewarm(CallContext call, SessionSetup setup) {
        if (byCall.containsKey(call.callSid())) {
            return Result.ALREADY_PREWARMED;
        }
        if (byCall.size() >= settings.maxPending()) {
            return Result.TOO_MANY;
        }
        ModelConnection link = open(setup.model());
        link.configure(setup.updateFor(call, call.agentVersionId()));
        Prewarmed entry = new Prewarmed(call, link);
        if (byCall.putIfAbsent(call.callSid(), entry) != null) {
            link.dispose();
            return Result.ALREADY_PREWARMED;
        }
        entry.expiry = Mono.delay(settings.ttl(), clock).subscribe(tick -> expire(call.callSid(), entry));
        metrics.prewarm("opened");
        return Result.PREWARMED;
    }

    private void expire(String callSid, Prewarmed entry) {
        if (byCall.remove(callSid, entry)) {
            entry.link.dispose();
            metrics.prewarm("expired");
            log.info("call {}: prewarmed model session expired unused", callSid);
        }
    }

    /**
     * Closes the call's prewarmed session, if one waits: its stream started while the prewarm was being set up and
     * opened a model session of its own. True when one was closed.
     */
    public boolean withdraw(String callSid) {
        Prewarmed entry = byCall.remove(callSid);
        if (entry == null) {
            return false;
        }
        entry.expiry.dispose();
        entry.link.dispose();
        metrics.prewarm("superseded");
        return true;
    }

    @Override
    public Optional<ModelConnection> takePrewarmed(CallContext call, String model) {
        Prewarmed entry = byCall.remove(call.callSid());
        if (entry == null) {
            return Optional.empty();
        }
        entry.expiry.dispose();
        boolean matches = entry.call.tenantId().equals(call.tenantId())
                && entry.call.agentKey().equals(call.agentKey()) && entry.link.model().equals(model)
                && !entry.link.isDisposed();
        if (!matches) {
            entry.link.dispose();
            metrics.prewarm("mismatched");
            return Optional.empty();
        }
        metrics.prewarm("taken");
        return Optional.of(entry.link);
    }

    @Override
    public ModelConnection open(String model) {
        ModelConnection pooled = takePooled(model);
        if (pooled != null) {
            metrics.prewarm("pooled");
            return pooled;
        }
        return ModelConnection.open(client, model, now(), laneCapacity, dropped -> metrics.frameDropped(),
                metrics.relayToModel());
    }

    public int pending() {
        return byCall.size();
    }

    public int pooled() {
        return pool.values().stream().mapToInt(q -> {
            synchronized (q) {
                return q.size();
            }
        }).sum();
    }

    private ModelConnection takePooled(String model) {
        if (settings.poolSize() <= 0) {
            return null;
        }
        ArrayDeque<ModelConnection> queue = pool.computeIfAbsent(model, m -> new ArrayDeque<>());
        ModelConnection taken = null;
        synchronized (queue) {
            while (taken == null && !queue.isEmpty()) {
                ModelConnection next = queue.poll();
                if (fresh(next)) {
                    taken = next;
                } else {
                    next.dispose();
                }
            }
        }
        refill(model, queue);
        return taken;
    }

    private void refillPools() {
        pool.forEach(this::refill);
    }

    /** Drops stale or closed pooled connections and opens new ones up to the pool size. */
    private void refill(String model, ArrayDeque<ModelConnection> queue) {
        synchronized (queue) {
            queue.removeIf(link -> {
                boolean stale = !fresh(link);
                if (stale) {
                    link.dispose();
                }
                return stale;
            });
            while (queue.size() < settings.poolSize()) {
                queue.add(ModelConnection.open(client, model, now(), laneCapacity, dropped -> metrics.frameDropped(),
                        metrics.relayToModel()));
            }
        }
    }

    private boolean fresh(ModelConnection link) {
        return !link.isDisposed() && !link.ended() && now() - link.openedAtMs() < settings.poolMaxAge().toMillis();
    }

    private long now() {
        return clock.now(TimeUnit.MILLISECONDS);
    }

    @Override
    public void dispose() {
        maintenance.dispose();
        byCall.values().forEach(entry -> {
            entry.expiry.dispose();
            entry.link.dispose();
        });
        byCall.clear();
        pool.values().forEach(queue -> {
            synchronized (queue) {
                queue.forEach(ModelConnection::dispose);
                queue.clear();
            }
        });
    }

    @Override
    public boolean isDisposed() {
        return maintenance.isDisposed();
    }

    /** A configured model session waiting for its call's stream. */
    private static final class Prewarmed {
        final CallContext call;
        final ModelConnection link;
        volatile Disposable expiry = Disposables.disposed();

        Prewarmed(CallContext call, ModelConnection link) {
            this.call = call;
            this.link = link;
        }
    }
}
