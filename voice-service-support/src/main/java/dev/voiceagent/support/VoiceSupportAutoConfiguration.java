package dev.voiceagent.support;

import dev.voiceagent.contracts.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import dev.voiceagent.support.secrets.ArgumentSealer;
import dev.voiceagent.support.tenant.DirectoryGatedListeners;
import dev.voiceagent.support.tenant.TenantAuthenticator;
import dev.voiceagent.support.tenant.TenantDirectory;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.config.ContainerPostProcessor;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.ExponentialBackOffWithMaxRetries;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.util.backoff.ExponentialBackOff;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import tools.jackson.databind.json.JsonMapper;
import dev.voiceagent.contracts.EventDecodingException;

/** The platform's Kafka, persistence and error defaults, shared by every service. */
@AutoConfiguration(after = KafkaAutoConfiguration.class,
        afterName = {"org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration",
                "org.springframework.boot.r2dbc.autoconfigure.R2dbcTransactionManagerAutoConfiguration",
                "org.springframework.boot.data.r2dbc.autoconfigure.DataR2dbcAutoConfiguration",
                "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration"})
public class VoiceSupportAutoConfiguration {

    /**
     * Seals the secrets callers give in tool requests (the media bridge) and opens them (the tool executor), with the
     * keys of {@code voice.tool-secrets.keys} (environment {@code VOICE_TOOL_SECRETS_KEYS}, comma-separated).
     */
    @Bean
    @ConditionalOnMissingBean
    ArgumentSealer argumentSealer(@Value("${voice.tool-secrets.keys:}") List<String> keys) {
        return ArgumentSealer.of(keys);
    }

    @Bean
    @ConditionalOnMissingBean
    EventPublisher eventPublisher(KafkaTemplate<String, String> template,
                                  @Value("${spring.application.name}") String source) {
        return new EventPublisher(template, source);
    }

    /** Every platform topic and its dead-letter topic; creation is idempotent, so every service may declare them. */
    @Bean
    KafkaAdmin.NewTopics voiceTopics(@Value("${voice.kafka.partitions:3}") int partitions,
                                     @Value("${voice.kafka.replication-factor:1}") short replicas) {
        List<NewTopic> topics = new ArrayList<>();
        for (String topic : Topics.ALL) {
            NewTopic newTopic = new NewTopic(topic, partitions, replicas);
            if (Topics.CONFIG.equals(topic)) {
                newTopic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            }
            topics.add(newTopic);
            topics.add(new NewTopic(Topics.deadLetter(topic), partitions, replicas));
        }
        return new KafkaAdmin.NewTopics(topics.toArray(NewTopic[]::new));
    }

    /**
     * Retries a failed record with back-off, then parks it on {@code <topic>.dlt}. A record that cannot be
     * decoded is parked at once: retrying it cannot help. A record that failed because the database or the broker
     * is unreachable is retried (holding its partition, so order is kept) for up to
     * {@code voice.kafka.outage-retry} before it is parked: an outage of that length costs a delay, not a replay.
     */
    @Bean
    @ConditionalOnMissingBean(CommonErrorHandler.class)
    DefaultErrorHandler kafkaErrorHandler(KafkaTemplate<String, String> template,
                                          @Value("${voice.kafka.outage-retry:5m}") Duration outageRetry) {
        var recoverer = new DeadLetterPublishingRecoverer(template,
                (record, ex) -> new TopicPartition(Topics.deadLetter(record.topic()), -1));
        var backOff = new ExponentialBackOffWithMaxRetries(4);
        backOff.setInitialInterval(200);
        backOff.setMultiplier(2.0);
        backOff.setMaxInterval(2_000);
        var handler = new DefaultErrorHandler(recoverer, backOff);
        handler.addNotRetryableExceptions(EventDecodingException.class);
        handler.setBackOffFunction((record, ex) -> InfrastructureFailures.isOutage(ex) ? outageBackOff(outageRetry) : null);
        return handler;
    }

    private static ExponentialBackOff outageBackOff(Duration limit) {
        var backOff = new ExponentialBackOff(500, 2.0);
        backOff.setMaxInterval(5_000);
        backOff.setMaxElapsedTime(limit.toMillis());
        return backOff;
    }

    @Bean
    @ConditionalOnBean({DatabaseClient.class, ReactiveTransactionManager.class})
    @ConditionalOnMissingBean
    ProcessedEvents processedEvents(DatabaseClient db, ReactiveTransactionManager transactionManager) {
        return new ProcessedEvents(db, TransactionalOperator.create(transactionManager));
    }

    /** Opt in with {@code voice.tenant-directory.enabled=true} in services that resolve tenants on the call path. */
    @Bean
    @ConditionalOnProperty(name = "voice.tenant-directory.enabled", havingValue = "true")
    @ConditionalOnMissingBean
    TenantDirectory tenantDirectory() {
        return new TenantDirectory();
    }

    /** Wakes the directory's consumer when idle so it can tell that it has caught up, and hands it the consumer. */
    @Bean
    @ConditionalOnProperty(name = "voice.tenant-directory.enabled", havingValue = "true")
    ContainerPostProcessor<String, String, AbstractMessageListenerContainer<String, String>>
            tenantDirectoryContainerPostProcessor(ObjectProvider<TenantDirectory> directory) {
        // resolved while the directory's own listener is being registered, so the directory is looked up later
        return container -> {
            container.getContainerProperties().setIdleEventInterval(TenantDirectory.IDLE_CHECK_MILLIS);
            container.getContainerProperties().setConsumerRebalanceListener(directory.getObject().rebalanceListener());
        };
    }

    /**
     * A service that resolves tenants consumes its topics only once it has read every published view (the default
     * listener factory takes this customizer; the directory's own listener is not held).
     */
    @Bean
    @ConditionalOnProperty(name = "voice.tenant-directory.enabled", havingValue = "true")
    DirectoryGatedListeners directoryGatedListeners(TenantDirectory directory) {
        return new DirectoryGatedListeners(directory);
    }

    /** Part of readiness: a service that resolves tenants is not ready before it has read every published view. */
    @Bean
    @ConditionalOnProperty(name = "voice.tenant-directory.enabled", havingValue = "true")
    HealthIndicator tenantViewsHealthIndicator(TenantDirectory directory) {
        return () -> (directory.caughtUp() ? Health.up() : Health.down().withDetail("reason",
                "reading the published tenant views")).withDetail("tenants", directory.all().size()).build();
    }

    @Bean
    @ConditionalOnProperty(name = "voice.tenant-directory.enabled", havingValue = "true")
    @ConditionalOnMissingBean
    TenantAuthenticator tenantAuthenticator(TenantDirectory directory) {
        return new TenantAuthenticator(directory);
    }

    /** A WebSocket close frame this service sends reaches a peer that is still sending (see {@link LingeringClose}). */
    @Bean
    NettyServerCustomizer lingeringWebSocketClose() {
        return server -> LingeringClose.onEveryConnection(server, LingeringClose.DEFAULT_LINGER);
    }

    @Bean
    ProblemErrorWebExceptionHandler problemErrorWebExceptionHandler(JsonMapper json) {
        return new ProblemErrorWebExceptionHandler(json);
    }
}
