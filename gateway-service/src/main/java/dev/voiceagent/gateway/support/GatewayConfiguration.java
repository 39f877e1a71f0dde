package dev.voiceagent.gateway.support;

import dev.voiceagent.support.tenant.TenantAuthenticator;
import com.twilio.http.TwilioRestClient;
import dev.voiceagent.gateway.calllog.CallLogHandler;
import dev.voiceagent.gateway.calllog.CallLogRepository;
import dev.voiceagent.gateway.amd.AmdStatusHandler;
import dev.voiceagent.gateway.calllog.CallStatusService;
import dev.voiceagent.gateway.limits.CallSlots;
import dev.voiceagent.gateway.limits.GatewayInstances;
import dev.voiceagent.gateway.limits.RateLimitFilter;
import dev.voiceagent.gateway.limits.RateLimits;
import dev.voiceagent.gateway.limits.StreamLimits;
import dev.voiceagent.support.ProblemErrorWebExceptionHandler;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.gateway.logstream.CallLogLines;
import dev.voiceagent.gateway.logstream.CallLogStreamHandler;
import dev.voiceagent.gateway.logstream.CallLogStreams;
import dev.voiceagent.gateway.logstream.LogLineListener;
import dev.voiceagent.gateway.outbox.CallEventOutbox;
import dev.voiceagent.gateway.outbox.OutboxRelay;
import dev.voiceagent.gateway.prewarm.SessionPrewarmer;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import dev.voiceagent.gateway.media.BridgeDirectory;
import dev.voiceagent.gateway.media.BridgeLoss;
import dev.voiceagent.gateway.media.BridgeRelay;
import dev.voiceagent.gateway.media.MediaStreamHandler;
import dev.voiceagent.gateway.media.MediaTokenUses;
import dev.voiceagent.gateway.media.MediaTokens;
import dev.voiceagent.support.twilio.TwilioApiHttpClient;
import dev.voiceagent.gateway.outbound.IdempotencyRepository;
import dev.voiceagent.gateway.outbound.MakeCallHandler;
import dev.voiceagent.gateway.outbound.TwilioCallClient;
import dev.voiceagent.gateway.proxy.PublicRouteProxy;
import dev.voiceagent.gateway.twilio.CallStatusHandler;
import dev.voiceagent.gateway.twilio.IncomingCallHandler;
import dev.voiceagent.gateway.twilio.SignedUrlResolver;
import dev.voiceagent.gateway.twilio.TwilioSignatureVerifier;
import dev.voiceagent.gateway.twilio.TwilioWebhookReader;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.LingeringClose;
import dev.voiceagent.support.tenant.TenantDirectory;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelOption;
import reactor.netty.resources.ConnectionProvider;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.reactive.socket.server.upgrade.ReactorNettyRequestUpgradeStrategy;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.http.server.WebsocketServerSpec;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wires the gateway: settings checks at startup, Twilio client and breaker, media relay, call-event outbox, live
 * log streams, limits, session pre-warm, routes.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({GatewayProperties.class, TwilioProperties.class})
public class GatewayConfiguration implements WebFluxConfigurer {

    private static final Logger log = LoggerFactory.getLogger(GatewayConfiguration.class);
    static final String TWILIO_BREAKER = "twilio";
    /** The shared single-use check of a media token (one insert) must not hold a stream start for long. */
    private static final Duration MEDIA_TOKEN_CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final GatewayProperties gateway;
    private final TwilioProperties twilio;

    public GatewayConfiguration(GatewayProperties gateway, TwilioProperties twilio) {
        this.gateway = gateway;
        this.twilio = twilio;
        checkStartup(gateway, twilio);
    }

    /** Production must not start half-secured: no auth token or no media-token secret is a startup failure. */
    static void checkStartup(GatewayProperties gateway, TwilioProperties twilio) {
        if (gateway.production() && !twilio.hasAuthToken()) {
            throw new IllegalStateException("voice.gateway.mode=production requires voice.twilio.auth-token: "
                    + "without it no Twilio webhook can be verified");
        }
        if (gateway.production() && gateway.mediaTokenSecrets().isEmpty()) {
            throw new IllegalStateException("voice.gateway.mode=production requires voice.gateway.media-token-secrets");
        }
        if (!twilio.hasAuthToken()) {
            log.warn("voice.twilio.auth-token is not set: every Twilio webhook will be refused with 403");
        }
    }

    @Bean
    MediaTokens mediaTokens() {
        List<String> secrets = gateway.mediaTokenSecrets();
        if (secrets.isEmpty()) {
            log.warn("voice.gateway.media-token-secrets is not set: using a random secret for this process only");
            secrets = List.of(MediaTokens.randomSecret());
        }
        return new MediaTokens(secrets, gateway.mediaTokenTtl(), Clock.systemUTC());
    }

    @Bean
    TwilioWebhookReader twilioWebhookReader(JsonMapper json) {
        SignedUrlResolver urls = new SignedUrlResolver(gateway.publicBase(), gateway.trustedProxies());
        return new TwilioWebhookReader(new TwilioSignatureVerifier(twilio.authToken(), urls), json,
                gateway.maxWebhookBytes());
    }

    @Bean
    IncomingCallHandler incomingCallHandler(TwilioWebhookReader webhooks, TenantDirectory directory,
                                            CallLogRepository calls, MediaTokens tokens, EventPublisher events,
                                            CallSlots slots, RateLimits limits, CallLogLines lines,
                                            SessionPrewarmer prewarmer, CallTraces traces, CallEventOutbox outbox) {
        return new IncomingCallHandler(webhooks, directory, calls, tokens, events, gateway, slots, limits, lines,
                prewarmer, traces, outbox);
    }

    @Bean
    CallSlots callSlots(DatabaseClient db, CallEventOutbox outbox) {
        return new CallSlots(db, outbox);
    }

    @Bean
    CallStatusService callStatusService(CallLogRepository calls, CallEventOutbox outbox, CallLogLines lines,
                                        CallLogStreams streams) {
        return new CallStatusService(calls, outbox, lines, streams);
    }

    @Bean
    CallStatusHandler callStatusHandler(TwilioWebhookReader webhooks, CallStatusService statuses) {
        return new CallStatusHandler(webhooks, statuses);
    }

    @Bean
    AmdStatusHandler amdStatusHandler(TwilioWebhookReader webhooks, CallLogRepository calls, TwilioCallClient client,
                                      CallLogLines lines) {
        return new AmdStatusHandler(webhooks, calls, client, lines);
    }

    @Bean
    TransactionalOperator transactionalOperator(ReactiveTransactionManager transactionManager) {
        return TransactionalOperator.create(transactionManager);
    }

    @Bean
    OutboxRelay outboxRelay(DatabaseClient db, TransactionalOperator tx, EventPublisher events,
                            ObjectProvider<io.micrometer.observation.ObservationRegistry> observations,
                            MeterRegistry meters) {
        return new OutboxRelay(db, tx, events, gateway.outbox(),
                observations.getIfAvailable(() -> io.micrometer.observation.ObservationRegistry.NOOP), meters);
    }

    @Bean
    CallEventOutbox callEventOutbox(DatabaseClient db, TransactionalOperator tx, EventPublisher events,
                                    OutboxRelay relay, CallTraces traces) {
        return new CallEventOutbox(db, tx, events, relay, traces);
    }

    @Bean
    CallLogStreams callLogStreams() {
        return new CallLogStreams(gateway.logStream().buffer(), gateway.logStream().closeGrace());
    }

    @Bean
    CallLogLines callLogLines(EventPublisher events, CallLogStreams streams, CallTraces traces) {
        return new CallLogLines(events, streams, gateway.logStream().publishQueue(), traces);
    }

    /** Registered so that the lifecycle starts and stops the log-line publishing loop. */
    @Bean
    BackgroundSender<?> logLinePublisher(CallLogLines lines) {
        return lines.sender();
    }

    /**
     * The live-log listener reads every log line and call event of the platform on every instance, to show the few
     * watched calls: no observation per record (a consumer span per line would cost more than reading it, and would
     * crowd every call's trace). The platform's other listeners keep theirs.
     */
    @Bean
    ConcurrentKafkaListenerContainerFactory<Object, Object> logStreamListenerFactory(
            ConcurrentKafkaListenerContainerFactoryConfigurer configurer, ConsumerFactory<Object, Object> consumers) {
        ConcurrentKafkaListenerContainerFactory<Object, Object> factory = new ConcurrentKafkaListenerContainerFactory<>();
        configurer.configure(factory, consumers);
        factory.getContainerProperties().setObservationEnabled(false);
        return factory;
    }

    @Bean
    LogLineListener logLineListener(CallLogStreams streams, CallLogLines lines) {
        return new LogLineListener(streams, lines);
    }

    @Bean
    CallLogStreamHandler callLogStreamHandler(TenantAuthenticator auth, CallLogRepository calls,
                                              CallLogStreams streams) {
        return new CallLogStreamHandler(auth, calls, streams, gateway.logStream());
    }

    @Bean
    UnparseableAcceptDecorator unparseableAcceptDecorator() {
        return new UnparseableAcceptDecorator();
    }

    @Bean
    MalformedUriProblems malformedUriProblems() {
        return new MalformedUriProblems();
    }

    @Bean
    RateLimits rateLimits() {
        return new RateLimits(gateway.limits());
    }

    /** Registered so that the lifecycle starts and stops the heartbeat. */
    @Bean
    GatewayInstances gatewayInstances(DatabaseClient db, RateLimits limits) {
        return new GatewayInstances(db, limits, gateway.limits().instanceHeartbeat());
    }

    @Bean
    RateLimitFilter rateLimitFilter(RateLimits limits, TenantDirectory directory) {
        return new RateLimitFilter(limits, directory,
                new SignedUrlResolver(gateway.publicBase(), gateway.trustedProxies()));
    }

    /** The pre-warm client's kept-alive connections to the bridge, closed when the context stops. */
    @Bean(destroyMethod = "dispose")
    ConnectionProvider prewarmConnections() {
        return ConnectionProvider.builder("prewarm")
                .maxConnections(gateway.prewarm().concurrency())
                // a connection the bridge may have closed meanwhile is not reused
                .maxIdleTime(Duration.ofSeconds(20))
                .build();
    }

    @Bean
    SessionPrewarmer sessionPrewarmer(ConnectionProvider prewarmConnections, JsonMapper json,
                                      BridgeDirectory bridgeDirectory) {
        GatewayProperties.Prewarm prewarm = gateway.prewarm();
        HttpClient http = HttpClient.create(prewarmConnections)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) prewarm.timeout().toMillis());
        return new SessionPrewarmer(http, json, bridgeDirectory, prewarm.timeout(), prewarm.enabled(),
                prewarm.queue(), prewarm.concurrency());
    }

    /**
     * Which bridge instance takes a call (its pre-warm and its stream); a lifecycle bean that looks the instances up
     * while discovery is on. The DNS resolver unless a {@link BridgeDirectory.Resolver} bean replaces it (tests).
     */
    @Bean
    BridgeDirectory bridgeDirectory(ObjectProvider<BridgeDirectory.Resolver> resolver) {
        GatewayProperties.BridgeDiscovery discovery = gateway.bridgeDiscovery();
        return new BridgeDirectory(gateway.bridgeUrl(), gateway.bridgeApiUrl(), discovery.host(),
                discovery.refreshInterval(), resolver.getIfAvailable(() -> BridgeDirectory.Resolver.DNS));
    }

    /** The bridge instances known (always up: without any, calls go to the bridge Service). */
    @Bean
    HealthIndicator bridgeDirectoryHealthIndicator(BridgeDirectory bridgeDirectory) {
        return () -> Health.up()
                .withDetail("discovery", bridgeDirectory.enabled())
                .withDetail("instances", bridgeDirectory.instances().stream()
                        .map(BridgeDirectory.Instance::key).toList())
                .build();
    }

    /** Registered so that the lifecycle starts and stops the pre-warm loop. */
    @Bean
    BackgroundSender<?> prewarmSender(SessionPrewarmer prewarmer) {
        return prewarmer.sender();
    }

    @Bean(destroyMethod = "")
    TwilioRestClient twilioRestClient() {
        String sid = twilio.accountSid() == null || twilio.accountSid().isBlank() ? "AC_unconfigured" : twilio.accountSid();
        String token = twilio.hasAuthToken() ? twilio.authToken() : "unconfigured";
        // one attempt per request: the SDK repeats a request answered 5xx, and for a call creation that answer is
        // ambiguous (Twilio may have placed the call), so a repeat could ring the callee twice
        return new TwilioRestClient.Builder(sid, token)
                .httpClient(new TwilioApiHttpClient(twilio.apiBaseUrl()) {
                    @Override
                    protected boolean shouldRetry(com.twilio.http.Response response, int[] retryCodes) {
                        return false;
                    }
                })
                .build();
    }

    @Bean
    CircuitBreaker twilioCircuitBreaker(ObjectProvider<CircuitBreakerRegistry> registry) {
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .slidingWindowSize(20)
                .minimumNumberOfCalls(5)
                .failureRateThreshold(50)
                .waitDurationInOpenState(twilio.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(2)
                .recordException(TwilioCallClient::isTransient)
                .build();
        return registry.getIfAvailable(CircuitBreakerRegistry::ofDefaults).circuitBreaker(TWILIO_BREAKER, config);
    }

    /** One Twilio REST request's time limit ({@code voice.twilio.timeout}); its calls and timeouts are metered. */
    @Bean
    TimeLimiter twilioTimeLimiter(ObjectProvider<TimeLimiterRegistry> registry) {
        TimeLimiterConfig config = TimeLimiterConfig.custom().timeoutDuration(twilio.timeout()).build();
        return registry.getIfAvailable(TimeLimiterRegistry::ofDefaults).timeLimiter(TWILIO_BREAKER, config);
    }

    @Bean
    TwilioCallClient twilioCallClient(TwilioRestClient client, CircuitBreaker twilioCircuitBreaker,
                                      TimeLimiter twilioTimeLimiter, CallTraces traces) {
        return new TwilioCallClient(client, twilioCircuitBreaker, twilioTimeLimiter, gateway.publicBase(),
                gateway.asyncAmd(), traces);
    }

    @Bean
    CallTraces callTraces(ObjectProvider<io.micrometer.tracing.Tracer> tracer,
                          ObjectProvider<io.micrometer.tracing.propagation.Propagator> propagator) {
        return new CallTraces(tracer.getIfAvailable(), propagator.getIfAvailable());
    }

    @Bean
    TwilioTraceContextDecorator twilioTraceContextDecorator() {
        return new TwilioTraceContextDecorator();
    }

    @Bean
    MakeCallHandler makeCallHandler(TenantAuthenticator auth, TwilioCallClient client, CallLogRepository calls,
                                    IdempotencyRepository idempotency, CallEventOutbox outbox, JsonMapper json,
                                    RateLimits limits, CallSlots slots, CallLogLines lines) {
        return new MakeCallHandler(auth, client, calls, idempotency, outbox, json, gateway, limits, slots, lines);
    }

    @Bean
    PublicRouteProxy publicRouteProxy(WebClient.Builder builder) {
        HttpClient http = HttpClient.create()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) gateway.upstreamTimeout().toMillis());
        WebClient client = builder.clone()
                .clientConnector(new org.springframework.http.client.reactive.ReactorClientHttpConnector(http))
                .build();
        return new PublicRouteProxy(client, gateway.upstreamTimeout());
    }

    @Bean
    MediaTokenUses mediaTokenUses(DatabaseClient db, MeterRegistry meters) {
        return new MediaTokenUses(db, MEDIA_TOKEN_CHECK_TIMEOUT, meters);
    }

    @Bean
    BridgeLoss bridgeLoss(TwilioCallClient twilio, CallLogRepository calls, EventPublisher events,
                          MeterRegistry meters, ObjectProvider<io.micrometer.observation.ObservationRegistry> observations) {
        return new BridgeLoss(twilio, calls, events, gateway.bridgeLossOutcomeGrace(), meters,
                observations.getIfAvailable(() -> io.micrometer.observation.ObservationRegistry.NOOP));
    }

    @Bean
    MediaStreamHandler mediaStreamHandler(MediaTokens tokens, MediaTokenUses uses, CallLogLines lines,
                                          MeterRegistry meters, BridgeLoss loss, BridgeDirectory bridgeDirectory) {
        // one connection per media stream, unpooled: the default pool caps a client at 16 connections on 2 cores,
        // so the 17th concurrent call would wait for a connection to the bridge
        // and lingering on its close frames, so that the caller's code reaches a bridge still streaming audio
        HttpClient http = LingeringClose.onEveryConnection(HttpClient.create(ConnectionProvider.newConnection())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) gateway.bridgeConnectTimeout().toMillis()),
                LingeringClose.DEFAULT_LINGER);
        var client = new ReactorNettyWebSocketClient(http,
                () -> WebsocketClientSpec.builder().maxFramePayloadLength(gateway.maxFrameBytes()));
        var limits = gateway.limits();
        var streamLimits = new StreamLimits(limits.enabled() ? limits.tenantConcurrentStreams() : Integer.MAX_VALUE,
                limits.enabled() ? limits.streamFramesPerSecond() : Integer.MAX_VALUE, System::nanoTime);
        var relay = new BridgeRelay(client, bridgeDirectory, loss, gateway.bridgeRefusalRetries(),
                gateway.bridgeConnectTimeout());
        var handler = new MediaStreamHandler(tokens, uses, relay, gateway.streamStartTimeout(), lines, streamLimits,
                gateway.maxFrameBytes());
        // the drain gauge of deploy/drain.sh (preStop): the pod waits while Twilio streams through it
        Gauge.builder("voice.gateway.media_streams.active", handler, MediaStreamHandler::activeStreams)
                .description("Twilio media streams open on this instance").register(meters);
        return handler;
    }

    @Bean
    HandlerMapping mediaStreamMapping(MediaStreamHandler handler) {
        return new SimpleUrlHandlerMapping(Map.of("/api/v1/media-stream", handler), Ordered.HIGHEST_PRECEDENCE);
    }

    /**
     * Inbound frames above the limit close the stream (1009) instead of buffering without bound: the media handler
     * closes it gracefully; the codec's own, higher limit ({@link MediaStreamHandler#codecFrameLimit}) bounds what
     * one frame can make the gateway hold.
     */
    @Override
    public WebSocketService getWebSocketService() {
        return new HandshakeWebSocketService(new ReactorNettyRequestUpgradeStrategy(() -> WebsocketServerSpec.builder()
                .maxFramePayloadLength(MediaStreamHandler.codecFrameLimit(gateway.maxFrameBytes()))));
    }

    @Bean
    RouterFunction<ServerResponse> gatewayRoutes(IncomingCallHandler incoming, CallStatusHandler status,
                                                 AmdStatusHandler amd, MakeCallHandler makeCall,
                                                 CallLogHandler callLogs, CallLogStreamHandler logStreams,
                                                 PublicRouteProxy proxy, ProblemErrorWebExceptionHandler problems) {
        return RouterFunctions.route()
                .POST("/api/v1/incoming-call", incoming::handle)
                .withAttribute(RouteDescription.ATTRIBUTE, IncomingCallHandler.ROUTE)
                .POST("/api/v1/call-status", status::handle)
                .withAttribute(RouteDescription.ATTRIBUTE, CallStatusHandler.ROUTE)
                .POST("/api/v1/amd-status", amd::handle)
                .withAttribute(RouteDescription.ATTRIBUTE, AmdStatusHandler.ROUTE)
                .POST("/api/v1/make-call", makeCall::handle)
                .withAttribute(RouteDescription.ATTRIBUTE, MakeCallHandler.ROUTE)
                .GET("/api/v1/call-logs", callLogs::list)
                .withAttribute(RouteDescription.ATTRIBUTE, CallLogHandler.LIST)
                .GET("/api/v1/call-logs/{call_sid}", callLogs::get)
                .withAttribute(RouteDescription.ATTRIBUTE, CallLogHandler.GET)
                .GET("/api/v1/calls/{call_sid}/logs/stream", logStreams::stream)
                .withAttribute(RouteDescription.ATTRIBUTE, CallLogStreamHandler.ROUTE)
                .GET("/api/v1/voice-sessions", request -> proxy.forward(gateway.bridgeApiUrl(), request))
                .withAttribute(RouteDescription.ATTRIBUTE, forwarded("media-bridge-service",
                        "the tenant's stored voice sessions (status, agent_key, limit, offset)"))
                .GET("/api/v1/voice-sessions/**", request -> proxy.forward(gateway.bridgeApiUrl(), request))
                .withAttribute(RouteDescription.ATTRIBUTE, forwarded("media-bridge-service",
                        "one stored voice session, GET /api/v1/voice-sessions/{id}"))
                .GET("/api/v1/active-sessions", request -> proxy.forward(gateway.bridgeApiUrl(), request))
                .withAttribute(RouteDescription.ATTRIBUTE, forwarded("media-bridge-service",
                        "the tenant's live calls on every bridge instance"))
                .route(path("/api/v1/admin/**"), request -> proxy.forward(gateway.configUrl(), request))
                .withAttribute(RouteDescription.ATTRIBUTE, forwarded("config-service",
                        "tenants, agents, API keys and runtime configuration (x-admin-key)"))
                .route(path("/api/v1/evaluations/**"), request -> proxy.forward(gateway.evaluationUrl(), request))
                .withAttribute(RouteDescription.ATTRIBUTE, forwarded("evaluation-service",
                        "evaluations, aggregates, launch gates and synthetic runs"))
                .route(path("/api/v1/callbacks/**"), request -> proxy.forward(gateway.callbackUrl(), request))
                .withAttribute(RouteDescription.ATTRIBUTE, forwarded("callback-service",
                        "the callback queue and webhook deliveries"))
                .filter(ProblemResponses.filter(problems))
                .build();
    }

    /** A proxied route: its parameters and bodies are in the upstream service's document. */
    private static RouteDescription forwarded(String service, String what) {
        return RouteDescription.of("Forwarded to " + service + " (see docs/openapi/" + service + ".yaml): " + what);
    }

    private static org.springframework.web.reactive.function.server.RequestPredicate path(String pattern) {
        return org.springframework.web.reactive.function.server.RequestPredicates.path(pattern);
    }

}
