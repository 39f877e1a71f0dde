package dev.voiceagent.support.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.Topics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.event.ListenerContainerIdleEvent;

class TenantDirectoryTest {

    private final TenantDirectory directory = new TenantDirectory();

    private static TenantConfigPublished view(String tenant, boolean enabled, List<String> numbers, List<String> keys,
                                              long revision) {
        return new TenantConfigPublished(tenant, tenant.toUpperCase(), enabled, numbers, "UTC", null,
                keys.stream().map(ApiKeys::hash).toList(), List.of(), revision);
    }

    @Test
    void resolvesTenantsByNumberAndApiKey() {
        directory.apply(view("demo", true, List.of("+15555550000"), List.of("demo-key"), 1));
        assertThat(directory.byPhoneNumber("+15555550000")).map(TenantConfigPublished::tenantId).contains("demo");
        assertThat(directory.byApiKey("demo-key")).map(TenantConfigPublished::tenantId).contains("demo");
        assertThat(directory.byApiKey("other-key")).isEmpty();
        assertThat(directory.byApiKey(null)).isEmpty();
    }

    @Test
    void aRevokedKeyOrReleasedNumberStopsResolvingAtOnce() {
        directory.apply(view("demo", true, List.of("+15555550000"), List.of("demo-key"), 1));
        directory.apply(view("demo", true, List.of("+15555550001"), List.of(), 2));
        assertThat(directory.byApiKey("demo-key")).isEmpty();
        assertThat(directory.byPhoneNumber("+15555550000")).isEmpty();
        assertThat(directory.byPhoneNumber("+15555550001")).isPresent();
    }

    @Test
    void anOlderRevisionNeverReplacesANewerOne() {
        directory.apply(view("demo", true, List.of("+15555550000"), List.of("new-key"), 5));
        directory.apply(view("demo", true, List.of("+15555550000"), List.of("old-key"), 4));
        assertThat(directory.byApiKey("new-key")).isPresent();
        assertThat(directory.byApiKey("old-key")).isEmpty();
    }

    @Test
    void aDisabledTenantsKeysDoNotAuthenticate() {
        directory.apply(view("demo", false, List.of("+15555550000"), List.of("demo-key"), 1));
        assertThat(directory.byApiKey("demo-key")).isEmpty();
        assertThat(directory.byPhoneNumber("+15555550000")).map(TenantConfigPublished::enabled).contains(false);
    }

    @Test
    void keysAreHashedAndComparedInConstantTime() {
        assertThat(ApiKeys.hash("demo-key")).hasSize(64).isNotEqualTo("demo-key");
        assertThat(ApiKeys.generate()).startsWith("vk_").isNotEqualTo(ApiKeys.generate());
        assertThat(ApiKeys.matches("a", "a")).isTrue();
        assertThat(ApiKeys.matches("a", "b")).isFalse();
        assertThat(ApiKeys.matches(null, "b")).isFalse();
    }

    @Test
    void aNumberMovedToAnotherTenantStaysWithItsNewOwnerWhenTheOldOwnerIsRepublished() {
        directory.apply(view("a", true, List.of("+15555550000"), List.of(), 1));
        directory.apply(view("b", true, List.of("+15555550000"), List.of(), 1));
        directory.apply(view("a", true, List.of(), List.of(), 2));
        assertThat(directory.byPhoneNumber("+15555550000")).map(TenantConfigPublished::tenantId).contains("b");
    }

    @Test
    void aChangeNeverLeavesTheTenantsNumberOrKeyUnresolved() throws InterruptedException {
        directory.apply(view("demo", true, List.of("+15555550000"), List.of("demo-key"), 0));
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong misses = new AtomicLong();
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                if (directory.byPhoneNumber("+15555550000").isEmpty() || directory.byApiKey("demo-key").isEmpty()) {
                    misses.incrementAndGet();
                }
            }
        });
        reader.start();
        for (long revision = 1; revision <= 20_000; revision++) {
            directory.apply(view("demo", true, List.of("+15555550000", "+1555555" + (1000 + revision % 9000)),
                    List.of("demo-key"), revision));
        }
        done.set(true);
        reader.join();
        assertThat(misses).hasValue(0);
    }

    @Test
    void isCaughtUpOnlyAfterReadingToTheEndOffsetsSeenAtAssignment() {
        TopicPartition p0 = new TopicPartition(Topics.CONFIG, 0);
        TopicPartition p1 = new TopicPartition(Topics.CONFIG, 1);
        MockConsumer<String, String> consumer = consumer(Map.of(p0, 2L, p1, 0L));
        directory.onPartitionsAssigned(consumer, List.of());
        assertThat(directory.caughtUp()).as("an empty assignment step").isFalse();
        directory.onPartitionsAssigned(consumer, List.of(p1));
        assertThat(directory.caughtUp()).as("one of two partitions checked").isFalse();
        directory.onPartitionsAssigned(consumer, List.of(p0));
        assertThat(directory.caughtUp()).isFalse();

        directory.onConfig(record(p0, 0, view("a", true, List.of("+15555550000"), List.of(), 1)));
        assertThat(directory.caughtUp()).isFalse();
        directory.onConfig(record(p0, 1, view("b", true, List.of("+15555550001"), List.of(), 1)));
        assertThat(directory.caughtUp()).isTrue();
        assertThat(directory.all()).hasSize(2);
    }

    @Test
    void whatWaitsForTheDirectoryRunsOnceWhenItCatchesUpOrAtOnceAfter() {
        TopicPartition p0 = new TopicPartition(Topics.CONFIG, 0);
        List<String> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
        directory.whenCaughtUp(() -> ran.add("before"));
        directory.onPartitionsAssigned(consumer(Map.of(p0, 1L)), List.of(p0));
        assertThat(ran).as("still reading").isEmpty();

        directory.onConfig(record(p0, 0, view("a", true, List.of("+15555550000"), List.of(), 1)));
        assertThat(ran).containsExactly("before");
        directory.onConfig(record(p0, 1, view("b", true, List.of("+15555550001"), List.of(), 1)));
        assertThat(ran).as("once, not on every later view").containsExactly("before");

        directory.whenCaughtUp(() -> ran.add("after"));
        assertThat(ran).containsExactly("before", "after");
    }

    @Test
    void anEmptyTopicIsCaughtUpAtOnceAndAGapAtTheTailIsSettledWhenIdle() {
        TopicPartition p0 = new TopicPartition(Topics.CONFIG, 0);
        TenantDirectory empty = new TenantDirectory();
        empty.onPartitionsAssigned(consumer(Map.of(p0, 0L)), List.of(p0));
        assertThat(empty.caughtUp()).isTrue();

        MockConsumer<String, String> consumer = consumer(Map.of(p0, 5L));
        directory.onPartitionsAssigned(consumer, List.of(p0));
        directory.onConfig(record(p0, 2, view("a", true, List.of("+15555550000"), List.of(), 1)));
        assertThat(directory.caughtUp()).isFalse();
        directory.onIdle(new ListenerContainerIdleEvent(this, this, 200, "other", List.of(p0), consumer(Map.of(p0, 5L)),
                false));
        assertThat(directory.caughtUp()).as("another consumer's idle event is ignored").isFalse();
        consumer.seek(p0, 5);
        directory.onIdle(new ListenerContainerIdleEvent(this, this, 200, "dir", List.of(p0), consumer, false));
        assertThat(directory.caughtUp()).isTrue();
    }

    private static MockConsumer<String, String> consumer(Map<TopicPartition, Long> ends) {
        MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
        consumer.updatePartitions(Topics.CONFIG, ends.keySet().stream().map(p -> new org.apache.kafka.common.PartitionInfo(
                p.topic(), p.partition(), null, new org.apache.kafka.common.Node[0], new org.apache.kafka.common.Node[0]))
                .toList());
        consumer.assign(ends.keySet());
        consumer.updateBeginningOffsets(ends.keySet().stream().collect(
                java.util.stream.Collectors.toMap(p -> p, p -> 0L)));
        consumer.updateEndOffsets(ends);
        ends.keySet().forEach(p -> consumer.seek(p, 0));
        return consumer;
    }

    private static ConsumerRecord<String, String> record(TopicPartition partition, long offset, TenantConfigPublished view) {
        return new ConsumerRecord<>(partition.topic(), partition.partition(), offset, view.tenantId(),
                EventCodec.encode(EventEnvelope.of("config-service", view.tenantId(), null, view)));
    }
}
