package dev.voiceagent.bridge.session;

import dev.voiceagent.contracts.EventCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The {@code bridge.live_sessions} table over R2DBC: every instance's live sessions, so that any instance can
 * answer {@code GET /api/v1/active-sessions} for all of them, and tell the stored records of calls that no instance
 * holds any more ({@link #markLost()}). Written off the audio path only.
 */
public class LiveSessionsRepository {

    /**
     * One statement per publication: this instance's sessions upserted, its ended ones deleted, and the rows of
     * instances silent for longer than the expiry deleted.
     */
    private static final String PUBLISH = """
            WITH live AS (
                INSERT INTO live_sessions (instance_id, call_sid, tenant_id, view, seen_at)
                SELECT :instance, s->>'call_sid', s->>'tenant_id', s->'view', now()
                FROM jsonb_array_elements(CAST(:sessions AS jsonb)) AS s
                ON CONFLICT (instance_id, call_sid)
                DO UPDATE SET tenant_id = EXCLUDED.tenant_id, view = EXCLUDED.view, seen_at = EXCLUDED.seen_at
                RETURNING call_sid),
            ended AS (
                DELETE FROM live_sessions
                WHERE instance_id = :instance AND call_sid NOT IN (SELECT call_sid FROM live))
            DELETE FROM live_sessions
            WHERE instance_id <> :instance AND seen_at < now() - make_interval(secs => :expireSeconds)
            """;

    /**
     * The {@code active} records that nobody has written for the expiry and whose call no instance has published
     * within it become {@code lost}: the instance that held the call crashed or hung before storing its end (a
     * session is published within an interval of its start, and its final record, when it comes late, still
     * overwrites this). The statuses are literals so that the partial index {@code voice_sessions_active} serves the
     * query whatever plan it gets.
     */
    private static final String MARK_LOST = """
            UPDATE voice_sessions v SET status = '%s', ended_at = now(), updated_at = now()
            WHERE v.status = '%s'
              AND v.updated_at < now() - make_interval(secs => :expireSeconds)
              AND NOT EXISTS (SELECT 1 FROM live_sessions l
                              WHERE l.instance_id = v.bridge_instance AND l.call_sid = v.call_sid
                                AND l.seen_at > now() - make_interval(secs => :expireSeconds))
            """.formatted(VoiceSessionRecord.LOST, VoiceSessionRecord.ACTIVE);

    private final DatabaseClient db;
    private final String instanceId;
    private final double expireSeconds;

    public LiveSessionsRepository(DatabaseClient db, String instanceId, Duration expireAfter) {
        this.db = db;
        this.instanceId = instanceId;
        this.expireSeconds = expireAfter.toMillis() / 1000.0;
    }

    /** Replaces this instance's rows with {@code sessions}. */
    public Mono<Void> publish(Collection<VoiceSession> sessions) {
        List<Map<String, Object>> rows = new ArrayList<>(sessions.size());
        for (VoiceSession session : sessions) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("call_sid", session.callSid());
            row.put("tenant_id", session.tenantId());
            row.put("view", session.view());
            rows.add(row);
        }
        return db.sql(PUBLISH)
                .bind("instance", instanceId)
                .bind("sessions", EventCodec.mapper().writeValueAsString(rows))
                .bind("expireSeconds", expireSeconds)
                .fetch().rowsUpdated().then();
    }

    /** Marks the records of calls that no instance publishes any more as lost; how many it marked. */
    public Mono<Long> markLost() {
        return db.sql(MARK_LOST).bind("expireSeconds", expireSeconds).fetch().rowsUpdated();
    }

    /** A tenant's live sessions on the other instances that published within the expiry. */
    public Flux<SessionView> others(String tenantId) {
        return db.sql("SELECT view::text AS view FROM live_sessions WHERE tenant_id = :tenant "
                        + "AND instance_id <> :instance AND seen_at > now() - make_interval(secs => :expireSeconds)")
                .bind("tenant", tenantId)
                .bind("instance", instanceId)
                .bind("expireSeconds", expireSeconds)
                .map(row -> EventCodec.mapper().readValue(row.get("view", String.class), SessionView.class))
                .all();
    }
}
