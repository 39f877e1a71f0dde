package dev.voiceagent.gateway.limits;

import dev.voiceagent.support.BackgroundLoop;
import dev.voiceagent.support.DatabaseDeadlines;
import java.time.Duration;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Live gateway instances, from heartbeats in {@code gateway_instances}: every {@code heartbeat} this instance
 * records itself and counts the instances seen within three heartbeats, and the per-tenant rate limits take
 * their share ({@link RateLimits#share}). An instance that stops (or dies) drops out of the count after three
 * missed heartbeats; until then the others stay below their full share. A failed heartbeat keeps the last count.
 */
public class GatewayInstances extends BackgroundLoop {

    private static final Logger log = LoggerFactory.getLogger(GatewayInstances.class);
    private static final int MISSED_BEATS = 3;

    private final DatabaseClient db;
    private final RateLimits limits;
    private final Duration heartbeat;
    private final String instanceId = UUID.randomUUID().toString();
    private volatile int live = 1;

    public GatewayInstances(DatabaseClient db, RateLimits limits, Duration heartbeat) {
        this.db = db;
        this.limits = limits;
        this.heartbeat = heartbeat;
    }

    /** Instances seen alive at the last heartbeat, this one included. */
    public int live() {
        return live;
    }

    @Override
    protected Flux<?> loop() {
        return Flux.interval(Duration.ZERO, heartbeat)
                .onBackpressureDrop()
                .concatMap(tick -> beat(), 1);
    }

    /** One round trip: record this instance, forget long-gone ones, count the others still beating. */
    private Mono<Void> beat() {
        double stale = heartbeat.toMillis() * MISSED_BEATS / 1000.0;
        return db.sql("WITH beat AS (INSERT INTO gateway_instances (instance_id, seen_at) VALUES (:id, now()) "
                        + "ON CONFLICT (instance_id) DO UPDATE SET seen_at = now()), "
                        + "gone AS (DELETE FROM gateway_instances WHERE instance_id <> :id "
                        + "AND seen_at < now() - make_interval(secs => :gone)) "
                        + "SELECT count(*) AS others FROM gateway_instances WHERE instance_id <> :id "
                        + "AND seen_at > now() - make_interval(secs => :stale)")
                .bind("id", instanceId)
                .bind("stale", stale)
                .bind("gone", stale * 100)
                .map(row -> row.get("others", Long.class))
                .one()
                .transform(query -> DatabaseDeadlines.within(query, heartbeat))
                .doOnNext(others -> update((int) (others + 1)))
                .doOnError(e -> log.warn("gateway heartbeat failed, keeping {} live instances: {}", live, e.toString()))
                .onErrorResume(e -> Mono.empty())
                .then();
    }

    private void update(int instances) {
        if (instances != live) {
            log.info("{} live gateway instances: each takes 1/{} of the per-tenant rate limits", instances, instances);
            live = instances;
        }
        limits.share(instances);
    }
}
