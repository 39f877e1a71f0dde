package dev.voiceagent.bridge.support;

import dev.voiceagent.bridge.prewarm.PrewarmHandler;
import dev.voiceagent.bridge.prewarm.PrewarmRegistry;
import dev.voiceagent.bridge.realtime.ReactorNettyRealtimeClient;
import dev.voiceagent.bridge.realtime.RealtimeClient;
import dev.voiceagent.bridge.realtime.RealtimeCodec;
import dev.voiceagent.bridge.realtime.RealtimeProperties;
import dev.voiceagent.bridge.records.VoiceSessionRepository;
import dev.voiceagent.bridge.records.VoiceSessionStore;
import dev.voiceagent.bridge.records.VoiceSessionsHandler;
import dev.voiceagent.bridge.session.ActiveSessionsHandler;
import dev.voiceagent.bridge.session.FallbackPrompts;
import dev.voiceagent.bridge.session.LiveSessionsPublisher;
import dev.voiceagent.bridge.session.LiveSessionsRepository;
import dev.voiceagent.bridge.session.MediaStreamHandler;
import dev.voiceagent.bridge.session.SealedPins;
import dev.voiceagent.bridge.session.SessionDependencies;
import dev.voiceagent.bridge.session.SessionEventPublisher;
import dev.voiceagent.bridge.session.SessionRecorder;
import dev.voiceagent.bridge.session.SessionRegistry;
import dev.voiceagent.bridge.tools.PendingToolCalls;
import dev.voiceagent.bridge.tools.ToolReplyListener;
import dev.voiceagent.bridge.session.VoiceSessionRecord;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.secrets.ArgumentSealer;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import dev.voiceagent.support.RouteDescription.ParameterType;
import dev.voiceagent.support.tenant.TenantAuthenticator;
import dev.voiceagent.support.tenant.TenantDirectory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** Wires the bridge: the media-stream WebSocket, the model client, tool replies, sessions and their API. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({BridgeProperties.class, RealtimeProperties.class})
public class BridgeConfiguration {

    public static final String MEDIA_STREAM_PATH = "/internal/v1/media-stream";
    public static final String PREWARM_PATH = "/internal/v1/sessions/prewarm";

    @Bean
    BridgeInstance bridgeInstance(BridgeProperties bridge, @Value("${spring.application.name}") String service) {
        return new BridgeInstance(bridge.instanceId(), service);
    }

    /** This instance's reply topic; one partition is enough, since one instance reads it. */
    @Bean
    NewTopic toolReplyTopic(BridgeInstance instance, @Value("${voice.kafka.replication-factor:1}") short replicas) {
        return new NewTopic(instance.replyTopic(), 1, replicas);
    }

    @Bean
    PendingToolCalls pendingToolCalls() {
        return new PendingToolCalls();
    }

    @Bean
    ToolReplyListener toolReplyListener(PendingToolCalls pending) {
        return new ToolReplyListener(pending);
    }

    @Bean
    RealtimeClient realtimeClient(RealtimeProperties properties) {
        return new ReactorNettyRealtimeClient(properties, new RealtimeCodec());
    }

    @Bean
    SessionRegistry sessionRegistry(BridgeProperties bridge) {
        return new SessionRegistry(bridge.maxSessions());
    }

    /**
     * {@code capacity} in the readiness group ({@code /health/ready}): out of service while the instance holds its
     * {@code max-sessions}, so that a load balancer sends new streams to another instance; live calls go on.
     */
    @Bean
    HealthIndicator capacityHealthIndicator(SessionRegistry registry) {
        return () -> (registry.full() ? Health.outOfService() : Health.up())
                .withDetail("live_sessions", registry.size())
                .withDetail("max_sessions", registry.maxSessions() == Integer.MAX_VALUE ? 0 : registry.maxSessions())
                .build();
    }

    @Bean
    BridgeMetrics bridgeMetrics(MeterRegistry meters, SessionRegistry registry) {
        return new BridgeMetrics(meters, registry::size);
    }

    @Bean(destroyMethod = "dispose")
    PrewarmRegistry prewarmRegistry(RealtimeClient realtime, BridgeProperties bridge, BridgeMetrics metrics,
                                    RealtimeProperties realtimeProperties) {
        return new PrewarmRegistry(realtime, bridge, metrics, Schedulers.parallel(), realtimeProperties.defaultModel());
    }

    @Bean
    VoiceSessionRepository voiceSessionRepository(DatabaseClient db) {
        return new VoiceSessionRepository(db);
    }

    /** At shutdown it waits for the calls the web server's stop ends, for their final records. */
    @Bean
    VoiceSessionStore voiceSessionStore(VoiceSessionRepository repository, BridgeMetrics metrics,
                                        BridgeProperties bridge, SessionRegistry registry) {
        BridgeProperties.Records records = bridge.records();
        return new VoiceSessionStore(repository, metrics, records.queueCapacity(), records.writeTimeout(),
                records.shutdownGrace(), records.enabled() ? registry::size : () -> 0);
    }

    @Bean
    SessionDependencies sessionDependencies(RealtimeClient realtime, EventPublisher events, PendingToolCalls pending,
                                            BridgeMetrics metrics, BridgeProperties bridge,
                                            RealtimeProperties realtimeProperties, PrewarmRegistry prewarm,
                                            VoiceSessionStore store, ObjectProvider<ObservationRegistry> observations,
                                            ArgumentSealer sealer) {
        // KafkaTemplate.send may block (metadata, full buffer); and when chained after a previous send it would run
        // on the producer's own I/O thread, which then cannot fetch the metadata it waits for
        SealedPins pins = new SealedPins(sealer);
        SessionEventPublisher kafka = envelope -> Mono.defer(() -> events.publish(pins.sealed(envelope)))
                .subscribeOn(Schedulers.boundedElastic());
        SessionRecorder recorder = bridge.records().enabled() ? store : SessionRecorder.NONE;
        return new SessionDependencies(realtime, kafka, events.source(), pending, metrics, bridge,
                realtimeProperties, Schedulers.parallel(), prewarm, recorder,
                observations.getIfAvailable(() -> ObservationRegistry.NOOP),
                FallbackPrompts.load(bridge.resilience()));
    }

    @Bean
    LiveSessionsRepository liveSessionsRepository(DatabaseClient db, BridgeProperties bridge) {
        return new LiveSessionsRepository(db, bridge.instanceId(), bridge.liveSessions().expireAfter());
    }

    @Bean
    LiveSessionsPublisher liveSessionsPublisher(SessionRegistry registry, LiveSessionsRepository repository,
                                                BridgeProperties bridge) {
        return new LiveSessionsPublisher(registry, repository, bridge.liveSessions().publishInterval(),
                Schedulers.parallel());
    }

    @Bean
    MediaStreamHandler mediaStreamHandler(TenantDirectory tenants, SessionRegistry registry, SessionDependencies deps) {
        return new MediaStreamHandler(tenants, registry, deps);
    }

    @Bean
    HandlerMapping mediaStreamMapping(MediaStreamHandler handler) {
        return new SimpleUrlHandlerMapping(Map.of(MEDIA_STREAM_PATH, handler), -1);
    }

    @Bean
    RouterFunction<ServerResponse> activeSessionsRoutes(TenantAuthenticator tenants, SessionRegistry registry,
                                                        VoiceSessionRepository repository, TenantDirectory directory,
                                                        PrewarmRegistry prewarm, RealtimeProperties realtime,
                                                        BridgeProperties bridge, LiveSessionsRepository live) {
        ActiveSessionsHandler active = new ActiveSessionsHandler(tenants, registry, live);
        VoiceSessionsHandler stored = new VoiceSessionsHandler(tenants, repository);
        PrewarmHandler prewarming = new PrewarmHandler(directory, registry, prewarm, realtime, bridge.prewarm().ttl());
        return RouterFunctions.route()
                .GET("/api/v1/active-sessions", active::list)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("The tenant's live calls on every "
                        + "bridge instance, oldest first; partial when only this instance's could be read")
                        .answers(Body.json(ActiveSessionsHandler.ActiveSessions.class)))
                .GET("/api/v1/voice-sessions", stored::list)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("The tenant's stored voice sessions, "
                                + "newest first, without transcripts and function calls")
                        .query("status", "only sessions in this status: active while live, then the outcome; "
                                + "lost when the instance holding the call stopped without storing its end",
                                VoiceSessionsHandler.STATUSES)
                        .query("agent_key", ParameterType.STRING, "only sessions of this agent")
                        .query("limit", ParameterType.INTEGER, "page size, 1-200 (default 50)")
                        .query("offset", ParameterType.INTEGER, "sessions to skip (default 0)")
                        .answers(Body.json(VoiceSessionsHandler.VoiceSessionPage.class)))
                .GET("/api/v1/voice-sessions/{id}", stored::get)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("One stored voice session of the "
                                + "tenant, by id or call SID, with transcript and function calls (404 for another "
                                + "tenant's)")
                        .answers(Body.json(VoiceSessionRecord.class)))
                .POST(PREWARM_PATH, prewarming::prewarm)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Gateway only: open the call's model "
                                + "session while Twilio fetches TwiML (202 prewarming, 200 when already prewarmed or "
                                + "streaming)")
                        .accepts(Body.json(PrewarmHandler.PrewarmRequest.class)))
                .build();
    }
}
