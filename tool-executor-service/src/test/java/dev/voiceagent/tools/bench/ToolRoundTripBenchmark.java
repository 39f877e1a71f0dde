package dev.voiceagent.tools.bench;

import org.junit.jupiter.api.Timeout;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Tool round trip as the bridge sees it: a producer publishes {@code voice.tool.requested} with a reply topic, the
 * running executor answers, a consumer on the reply topic measures send-to-receive time, at a steady rate.
 * Budget for {@code noop}: p99 under 25 ms. Runs only with {@code -Dbench=true}:
 * {@code mvn -o -pl tool-executor-service test -Dtest=ToolRoundTripBenchmark -Dbench=true}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@VoiceInfrastructure
@EnabledIfSystemProperty(named = "bench", matches = "true")
// a benchmark runs for as long as it is asked to; the suite-wide test timeout is for tests
@Timeout(value = 3, unit = TimeUnit.HOURS)
class ToolRoundTripBenchmark {

    static final String TENANT = "bench";
    static final String VERSION = "bench-v1";
    static final String REPLY_TOPIC = Topics.toolReplies("bench-bridge");
    static final int RATE_PER_SECOND = Integer.getInteger("bench.rate", 200);
    static final int WARMUP = Integer.getInteger("bench.warmup", 500);
    static final int REQUESTS = Integer.getInteger("bench.requests", 3000);

    @Autowired TenantDirectory directory;
    @Value("${spring.kafka.bootstrap-servers}") String bootstrap;

    @Test
    void noopAndLookupRoundTrips() throws Exception {
        directory.apply(new TenantConfigPublished(TENANT, "Bench", true, List.of("+15555550000"), "UTC", null,
                List.of(), List.of(new AgentView("default", VERSION, List.of("noop", "lookup"), null)), 1));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(REPLY_TOPIC, 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException alreadyThere) {
            // a rerun in the same broker finds the topic
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps());
             KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps())) {
            TopicPartition partition = new TopicPartition(REPLY_TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition);
            report("noop (warm-up)", measure(producer, consumer, "noop", Map.of(), WARMUP));
            report("noop", measure(producer, consumer, "noop", Map.of(), REQUESTS));
            report("lookup (by caller's own number, Postgres)", measure(producer, consumer, "lookup", Map.of(), REQUESTS));
        }
    }

    private long[] measure(KafkaProducer<String, String> producer, KafkaConsumer<String, String> consumer, String tool,
                           Map<String, Object> args, int count) throws InterruptedException {
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        Thread receiver = new Thread(() -> {
            while (!done.get()) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(5))) {
                    long now = System.nanoTime();
                    EventCodec.decode(record.value()).map(EventEnvelope::data)
                            .filter(ToolCompleted.class::isInstance).map(ToolCompleted.class::cast)
                            .map(completed -> sentAt.remove(completed.toolCallId()))
                            .ifPresent(sent -> latencies.add(now - sent));
                }
            }
        }, "bench-receiver");
        receiver.start();
        long interval = TimeUnit.SECONDS.toNanos(1) / RATE_PER_SECOND;
        long next = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            String callSid = "CA" + UUID.randomUUID().toString().replace("-", "");
            String toolCallId = "bench_" + UUID.randomUUID();
            ToolRequested request = new ToolRequested(toolCallId, tool, args, VERSION, "support",
                    "+15555550100", REPLY_TOPIC);
            EventEnvelope<ToolRequested> envelope = EventEnvelope.of("bench-bridge", TENANT, callSid, request);
            sentAt.put(toolCallId, System.nanoTime());
            producer.send(new ProducerRecord<>(Topics.TOOL_REQUESTS, callSid, EventCodec.encode(envelope)));
            next += interval;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (latencies.size() < count && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        done.set(true);
        receiver.join();
        if (latencies.size() < count) {
            System.out.printf("%d of %d replies missing%n", count - latencies.size(), count);
        }
        return latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    private static void report(String label, long[] sortedNanos) {
        String line = String.format("BENCH tool round trip %s at %d/s, n=%d: p50=%.2f ms p95=%.2f ms p99=%.2f ms "
                        + "max=%.2f ms", label, RATE_PER_SECOND, sortedNanos.length, ms(sortedNanos, 0.50),
                ms(sortedNanos, 0.95), ms(sortedNanos, 0.99),
                sortedNanos.length == 0 ? 0 : sortedNanos[sortedNanos.length - 1] / 1e6);
        System.out.println(line);
        System.err.println(line);
    }

    private static double ms(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }

    private Properties producerProps() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return p;
    }

    private Properties consumerProps() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 1);
        return p;
    }
}
