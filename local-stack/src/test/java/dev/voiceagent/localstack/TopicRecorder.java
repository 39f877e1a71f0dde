package dev.voiceagent.localstack;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.VoiceEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads every platform topic from the beginning, as an analytics consumer would, and keeps what it saw. */
final class TopicRecorder implements AutoCloseable {

    /** One record as it arrived: topic, key, the decoded envelope and the raw headers we care about. */
    record Seen(String topic, String key, EventEnvelope<VoiceEvent> envelope, String traceparent) {
    }

    private final KafkaConsumer<String, String> consumer;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    TopicRecorder(String bootstrap) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "e2e-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
        consumer.subscribe(java.util.regex.Pattern.compile("voice\\..*"));
    }

    /**
     * Polls until a poll comes back empty (so a backlog is read to its end); call from the test thread only
     * (KafkaConsumer is single-threaded).
     */
    List<Seen> poll() {
        for (int round = 0; round < 100 && pollOnce() > 0; round++) {
            // keep reading
        }
        return new ArrayList<>(seen);
    }

    private int pollOnce() {
        var records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, String> record : records) {
            if (record.value() == null || record.topic().endsWith(Topics.DEAD_LETTER_SUFFIX)) {
                continue;
            }
            var header = record.headers().lastHeader("traceparent");
            EventCodec.decode(record.value()).ifPresent(envelope -> seen.add(new Seen(record.topic(), record.key(),
                    envelope, header == null ? null : new String(header.value()))));
        }
        return records.count();
    }

    List<Seen> forCall(String callSid) {
        return poll().stream().filter(s -> callSid.equals(s.envelope().callSid())).toList();
    }


    @Override
    public void close() {
        consumer.close();
    }
}
