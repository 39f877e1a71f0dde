package dev.voiceagent.support.observability;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.KafkaListener;
import reactor.core.publisher.Mono;

/**
 * The platform's tracing glue that properties alone cannot give: a Kafka consumer's trace continues into the
 * events its reactive listener publishes. Property defaults (sampling, Kafka observations, histograms, OTLP)
 * live in {@code VoiceServiceEnvironmentPostProcessor}; structured logs in
 * {@link StructuredLoggingEnvironmentPostProcessor}.
 */
@AutoConfiguration
@ConditionalOnClass({KafkaListener.class, Mono.class})
public class VoiceObservabilityAutoConfiguration {

    /** Static: a bean post-processor must not pull this configuration class in early. */
    @Bean
    @ConditionalOnProperty(name = "voice.tracing.kafka-listener-context", havingValue = "true", matchIfMissing = true)
    static KafkaListenerTracePropagation kafkaListenerTracePropagation(
            @Value("${voice.kafka.outage-retry:5m}") Duration outageRetry) {
        return new KafkaListenerTracePropagation(outageRetry);
    }
}
