package dev.voiceagent.config;

import static org.assertj.core.api.Assertions.fail;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads {@code voice.config.v1} with a real Kafka consumer, as another service would. */
final class ConfigTopicReader implements AutoCloseable {

    private final KafkaConsumer<String, String> consumer;

    ConfigTopicReader(String bootstrap) {
        consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", bootstrap,
                "group.id", "config-it-" + UUID.randomUUID(),
                "auto.offset.reset", "earliest",
                "enable.auto.commit", "false"), new StringDeserializer(), new StringDeserializer());
        consumer.subscribe(List.of(Topics.CONFIG));
    }

    /** The first published view of the tenant that satisfies the condition (envelope included). */
    EventEnvelope<?> awaitEnvelope(String tenantId, Predicate<TenantConfigPublished> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        TenantConfigPublished last = null;
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                if (!tenantId.equals(record.key())) {
                    continue;
                }
                var envelope = EventCodec.decode(record.value()).orElseThrow();
                TenantConfigPublished view = (TenantConfigPublished) envelope.data();
                last = view;
                if (condition.test(view)) {
                    return envelope;
                }
            }
        }
        return fail("no matching view of " + tenantId + " on " + Topics.CONFIG + "; last seen: " + last);
    }

    TenantConfigPublished await(String tenantId, Predicate<TenantConfigPublished> condition) {
        return (TenantConfigPublished) awaitEnvelope(tenantId, condition).data();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
