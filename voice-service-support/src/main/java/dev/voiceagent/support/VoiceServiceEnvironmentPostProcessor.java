package dev.voiceagent.support;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Gives every service the platform's defaults before its own config file is read: identity from
 * {@link VoiceService}, database and Kafka wiring, health groups ({@code /health/ready}, {@code /health/live}),
 * Prometheus at {@code /metrics}, snake_case JSON and problem details. Any of them can be overridden by the
 * service's yml, the environment or the command line, since this source sits last.
 */
public class VoiceServiceEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    static final String SOURCE_NAME = "voiceServiceDefaults";

    @Override
    public int getOrder() {
        // before ConfigDataEnvironmentPostProcessor (HIGHEST_PRECEDENCE + 10), so spring.config.name applies
        return Ordered.HIGHEST_PRECEDENCE + 5;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        findService(application).ifPresent(service -> {
            environment.getPropertySources().remove(SOURCE_NAME);
            environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME, defaults(service)));
        });
    }

    private static Optional<VoiceService> findService(SpringApplication application) {
        return application.getAllSources().stream()
                .filter(Class.class::isInstance)
                .map(source -> AnnotatedElementUtils.findMergedAnnotation((Class<?>) source, VoiceService.class))
                .filter(java.util.Objects::nonNull)
                .findFirst();
    }

    static Map<String, Object> defaults(VoiceService service) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("spring.application.name", service.name());
        p.put("spring.config.name", service.name());
        p.put("server.port", service.port());
        p.put("server.shutdown", "graceful");
        p.put("spring.lifecycle.timeout-per-shutdown-phase", "20s");
        p.put("spring.reactor.context-propagation", "auto");
        p.put("spring.jackson.property-naming-strategy", "SNAKE_CASE");
        p.put("spring.webflux.problemdetails.enabled", "true");

        p.put("voice.database.host", "localhost");
        p.put("voice.database.port", "5432");
        p.put("voice.database.name", "voice");
        p.put("voice.database.username", "voice");
        p.put("voice.database.password", "voice");
        p.put("voice.database.schema", service.schema());
        String hostPortDb = "${voice.database.host}:${voice.database.port}/${voice.database.name}";
        p.put("spring.r2dbc.url", "r2dbc:postgresql://" + hostPortDb + "?schema=${voice.database.schema}");
        p.put("spring.r2dbc.username", "${voice.database.username}");
        p.put("spring.r2dbc.password", "${voice.database.password}");
        p.put("spring.r2dbc.pool.max-size", "10");
        // while the database is away, a request for a connection fails instead of waiting without end
        p.put("spring.r2dbc.pool.max-acquire-time", "10s");
        p.put("spring.r2dbc.pool.max-create-connection-time", "5s");
        p.put("spring.flyway.url", "jdbc:postgresql://" + hostPortDb);
        p.put("spring.flyway.user", "${voice.database.username}");
        p.put("spring.flyway.password", "${voice.database.password}");
        p.put("spring.flyway.schemas", "${voice.database.schema}");
        p.put("spring.flyway.default-schema", "${voice.database.schema}");
        p.put("spring.flyway.locations", "classpath:db/" + service.schema());

        p.put("spring.kafka.bootstrap-servers", "localhost:9092");
        p.put("spring.kafka.consumer.group-id", service.name());
        p.put("spring.kafka.consumer.auto-offset-reset", "earliest");
        // a crashed consumer's partitions wait for its session to expire before anyone else (its own restart
        // included) may read them: 45 s by default, which a caller waiting on a tool would hear. Heartbeats come
        // from a background thread, so only a JVM-wide pause of 10 s could cost a needless rebalance.
        p.put("spring.kafka.consumer.properties.session.timeout.ms", "10000");
        p.put("spring.kafka.consumer.properties.heartbeat.interval.ms", "3000");
        p.put("spring.kafka.producer.acks", "all");
        p.put("spring.kafka.producer.properties.enable.idempotence", "true");
        p.put("spring.kafka.producer.properties.linger.ms", "1");
        p.put("spring.kafka.template.observation-enabled", "true");
        p.put("spring.kafka.listener.observation-enabled", "true");

        p.put("management.endpoints.web.base-path", "/");
        p.put("management.endpoints.web.exposure.include", "health,prometheus,info");
        p.put("management.endpoints.web.path-mapping.prometheus", "metrics");
        p.put("management.endpoint.health.probes.enabled", "true");
        p.put("management.endpoint.health.show-details", "always");
        p.put("management.endpoint.health.group.live.include", "livenessState");
        // tenantViews exists only in services that keep the tenant directory (gateway, media bridge, callbacks …),
        // capacity only in the media bridge (out of service while it holds its max-sessions)
        p.put("management.endpoint.health.group.ready.include", "readinessState,r2dbc,tenantViews,capacity");
        p.put("management.endpoint.health.validate-group-membership", "false");
        p.put("management.endpoint.health.group.ready.show-details", "always");
        p.put("management.metrics.tags.application", service.name());
        p.put("management.tracing.sampling.probability", "1.0");
        // metrics are scraped from /metrics; traces leave by OTLP only where a collector is configured
        p.put("management.otlp.metrics.export.enabled", "false");
        p.put("management.tracing.export.otlp.enabled", "false");
        p.put("management.opentelemetry.resource-attributes.service.name", service.name());
        // one trace per call: W3C traceparent on HTTP and Kafka, consumer context kept in reactive listeners
        p.put("management.tracing.propagation.type", "w3c");
        // latency SLOs are read from histograms (Prometheus buckets, aggregatable across instances); client-side
        // percentiles would cost every request a write into a rotating set of histograms and cannot be aggregated
        p.put("management.metrics.distribution.percentiles-histogram.http.server.requests", "true");
        p.put("management.metrics.distribution.percentiles-histogram.http.client.requests", "true");
        p.put("management.metrics.distribution.percentiles-histogram.spring.kafka.listener", "true");
        p.put("management.metrics.distribution.percentiles-histogram.spring.kafka.template", "true");
        p.put("voice.logging.json", "false");
        return p;
    }

}
