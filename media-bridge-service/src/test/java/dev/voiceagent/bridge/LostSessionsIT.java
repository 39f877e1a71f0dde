package dev.voiceagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.bridge.records.VoiceSessionRepository;
import dev.voiceagent.bridge.session.VoiceSessionRecord;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.support.tenant.ApiKeys;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The records of calls whose instance died: this instance's live-sessions tick marks them lost, on the real
 * database, while the calls of an instance that goes on publishing stay active.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.bridge.instance-id=lost-it",
        "voice.bridge.live-sessions.publish-interval=300ms",
        "voice.bridge.live-sessions.expire-after=3s"})
@AutoConfigureWebTestClient
@VoiceInfrastructure
class LostSessionsIT {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String TENANT = "lost-tenant";
    private static final String API_KEY = "lost-key";
    private static final String LOST = "lost";

    @Autowired
    VoiceSessionRepository sessions;
    @Autowired
    DatabaseClient db;
    @Autowired
    TenantDirectory tenants;
    @Autowired
    WebTestClient web;

    @Test
    void anActiveRecordOfADeadInstanceBecomesLostWhileALiveInstancesStaysActive() {
        String agent = "lost-" + UUID.randomUUID();
        VoiceSessionRecord ofDeadInstance = record("CA-dead", agent, "bridge-dead", VoiceSessionRecord.ACTIVE);
        VoiceSessionRecord ofLiveInstance = record("CA-live", agent, "bridge-live", VoiceSessionRecord.ACTIVE);
        VoiceSessionRecord ended = record("CA-ended", agent, "bridge-dead", "resolved");
        // bridge-live goes on publishing its call, bridge-dead never will again
        Disposable publishing = keepPublishing("bridge-live", ofLiveInstance.callSid());
        try {
            await().atMost(WAIT).until(() -> db.sql("SELECT count(*) AS n FROM live_sessions WHERE call_sid = :callSid")
                    .bind("callSid", ofLiveInstance.callSid()).map(row -> row.get("n", Long.class)).one().block(WAIT) == 1);
            for (VoiceSessionRecord stored : List.of(ofDeadInstance, ofLiveInstance, ended)) {
                sessions.upsert(stored).block(WAIT);
            }
            // both calls started long ago, and their records were written then
            db.sql("UPDATE voice_sessions SET updated_at = now() - interval '1 hour' WHERE agent_key = :agent")
                    .bind("agent", agent).fetch().rowsUpdated().block(WAIT);
            // written just now and not published yet: a call that has only started
            VoiceSessionRecord fresh = record("CA-fresh", agent, "bridge-dead", VoiceSessionRecord.ACTIVE);
            sessions.upsert(fresh).block(WAIT);

            await().atMost(WAIT).until(() -> find(ofDeadInstance).status(), LOST::equals);
            assertThat(find(ofDeadInstance).endedAt()).isNotNull();
            assertThat(find(fresh).status()).as("not written for the expiry yet").isEqualTo(VoiceSessionRecord.ACTIVE);
            // a few more ticks
            Mono.delay(Duration.ofSeconds(1)).block();
            assertThat(find(ofLiveInstance).status()).isEqualTo(VoiceSessionRecord.ACTIVE);
            assertThat(find(ofLiveInstance).endedAt()).isNull();
            assertThat(find(ended).status()).isEqualTo("resolved");
        } finally {
            publishing.dispose();
        }

        tenants.apply(tenant());
        web.get().uri("/api/v1/voice-sessions?status=lost&agent_key=" + agent).header("x-api-key", API_KEY)
                .exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.total").isEqualTo(1)
                .jsonPath("$.sessions[0].call_sid").isEqualTo(ofDeadInstance.callSid());
    }

    /** Another instance's live-sessions row for {@code callSid}, refreshed as that instance's publisher would. */
    private Disposable keepPublishing(String instance, String callSid) {
        return Flux.interval(Duration.ZERO, Duration.ofMillis(200))
                .concatMap(tick -> db.sql("INSERT INTO live_sessions (instance_id, call_sid, tenant_id, view, seen_at) "
                                + "VALUES (:instance, :callSid, :tenant, CAST('{}' AS jsonb), now()) "
                                + "ON CONFLICT (instance_id, call_sid) DO UPDATE SET seen_at = now()")
                        .bind("instance", instance).bind("callSid", callSid).bind("tenant", TENANT)
                        .fetch().rowsUpdated())
                .subscribe();
    }

    private VoiceSessionRecord find(VoiceSessionRecord record) {
        return sessions.find(TENANT, record.id()).block(WAIT);
    }

    private static VoiceSessionRecord record(String callSid, String agent, String instance, String status) {
        String call = callSid + "-" + UUID.randomUUID();
        Instant started = Instant.now().minusSeconds(3600);
        boolean ended = !status.equals(VoiceSessionRecord.ACTIVE);
        return new VoiceSessionRecord(UUID.randomUUID().toString(), call, TENANT, agent, "agv-1", "inbound",
                "+15555550100", "MZ" + call, status, null, started, ended ? started.plusSeconds(60) : null,
                ended ? 60_000L : null, null, Map.of(), List.of(), List.of(), null, List.of(), instance);
    }

    private static TenantConfigPublished tenant() {
        var runtime = new TenantConfigPublished.RuntimeConfig("gpt-realtime", "alloy", "support_default", 1,
                "You are a phone agent.", null, "en-US", null);
        return new TenantConfigPublished(TENANT, TENANT, true, List.of(), "UTC", runtime,
                List.of(ApiKeys.hash(API_KEY)), List.of(new AgentView("support", "agv-lost-1", List.of(), null)), 1);
    }
}
