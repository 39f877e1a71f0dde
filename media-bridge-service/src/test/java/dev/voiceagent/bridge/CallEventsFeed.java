package dev.voiceagent.bridge;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.VoiceEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** What the bridge published about calls (session events, transcripts, tool requests, outcomes), read from the broker. */
final class CallEventsFeed implements AutoCloseable {

    private final KafkaConsumer<String, String> kafka;
    private final List<EventEnvelope<VoiceEvent>> seen = new ArrayList<>();

    CallEventsFeed(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        kafka = new KafkaConsumer<>(props);
        kafka.subscribe(List.of(Topics.SESSION_EVENTS, Topics.TRANSCRIPTS, Topics.TOOL_REQUESTS, Topics.OUTCOMES));
    }

    /** Polls until an event of this call matches (30 s at most), keeping everything seen. */
    @SuppressWarnings("unchecked")
    <T extends VoiceEvent> T await(String callSid, Class<T> type, Predicate<T> matching) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (EventEnvelope<VoiceEvent> e : seen) {
                if (callSid.equals(e.callSid()) && type.isInstance(e.data()) && matching.test((T) e.data())) {
                    return (T) e.data();
                }
            }
            kafka.poll(Duration.ofMillis(100)).forEach(r -> EventCodec.decode(r.value()).ifPresent(seen::add));
        }
        throw new AssertionError("no " + type.getSimpleName() + " for " + callSid + " within 30 s; saw " + seen.size());
    }

    /** The events of this type seen so far for this call. */
    @SuppressWarnings("unchecked")
    <T extends VoiceEvent> List<T> all(String callSid, Class<T> type) {
        return seen.stream().filter(e -> callSid.equals(e.callSid()) && type.isInstance(e.data()))
                .map(e -> (T) e.data()).toList();
    }

    @Override
    public void close() {
        kafka.close();
    }
}
