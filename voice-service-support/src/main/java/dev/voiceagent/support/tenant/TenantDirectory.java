package dev.voiceagent.support.tenant;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventDecodingException;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.Topics;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.event.ListenerContainerIdleEvent;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;

/**
 * The config service's published tenant views, read from the compacted {@link Topics#CONFIG} topic into memory
 * by every instance (its own consumer group, from the beginning), so the call path never waits on a lookup.
 * Resolves tenants by id, by phone number and by API key hash.
 *
 * <p>The directory is {@linkplain #caughtUp() caught up} once it has read every partition up to the end offset it
 * saw when the partitions were assigned; until then a (re)started service is not ready, so it never answers a call
 * for a tenant it has not read yet. A view replaces the previous one without a moment in which the tenant's
 * numbers or keys resolve to nothing.
 */
public class TenantDirectory {

    /** The end of the directory's listener id (the service's name comes first). */
    public static final String LISTENER_SUFFIX = "-tenant-directory";

    /** How long the directory's consumer may sit idle before it checks whether it has caught up. */
    public static final long IDLE_CHECK_MILLIS = 200;

    private static final Logger log = LoggerFactory.getLogger(TenantDirectory.class);

    private final Map<String, TenantConfigPublished> byTenant = new ConcurrentHashMap<>();
    private final Map<String, String> tenantByNumber = new ConcurrentHashMap<>();
    private final Map<String, String> tenantByKeyHash = new ConcurrentHashMap<>();
    /** End offsets at assignment still to be reached; touched only on the consumer thread. */
    private final Map<TopicPartition, Long> behind = new HashMap<>();
    /** Partitions whose end offsets have been taken; the directory is caught up only once that is all of them. */
    private final Set<TopicPartition> checked = new HashSet<>();
    private int partitionCount = -1;
    private volatile Consumer<?, ?> consumer;
    private volatile boolean caughtUp;
    private final List<Runnable> whenCaughtUp = new CopyOnWriteArrayList<>();

    @KafkaListener(id = "${spring.application.name}" + LISTENER_SUFFIX, topics = Topics.CONFIG,
            groupId = "${spring.application.name}-directory-${random.uuid}",
            properties = {"auto.offset.reset=earliest", "enable.auto.commit=false"},
            containerPostProcessor = "tenantDirectoryContainerPostProcessor")
    void onConfig(ConsumerRecord<String, String> record) {
        try {
            read(record);
        } finally {
            if (!caughtUp) {
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                Long end = behind.get(partition);
                if (end != null && record.offset() + 1 >= end) {
                    behind.remove(partition);
                    markIfCaughtUp();
                }
            }
        }
    }

    private void read(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            remove(record.key());
            return;
        }
        try {
            EventCodec.decode(record.value())
                    .filter(e -> e.data() instanceof TenantConfigPublished)
                    .map(e -> (TenantConfigPublished) e.data())
                    .ifPresent(this::apply);
        } catch (EventDecodingException e) {
            log.warn("skipping undecodable config record at offset {}: {}", record.offset(), e.getMessage());
        }
    }

    /** Applies a view unless an equal or newer revision is already known. */
    public void apply(TenantConfigPublished view) {
        TenantConfigPublished previous = byTenant.get(view.tenantId());
        if (previous != null && previous.revision() > view.revision()) {
            return;
        }
        byTenant.put(view.tenantId(), view);
        view.phoneNumbers().forEach(number -> tenantByNumber.put(number, view.tenantId()));
        view.apiKeyHashes().forEach(hash -> tenantByKeyHash.put(hash, view.tenantId()));
        if (previous != null) {
            dropStale(previous.phoneNumbers(), Set.copyOf(view.phoneNumbers()), tenantByNumber, view.tenantId());
            dropStale(previous.apiKeyHashes(), Set.copyOf(view.apiKeyHashes()), tenantByKeyHash, view.tenantId());
        }
    }

    private static void dropStale(Collection<String> old, Set<String> kept, Map<String, String> index, String tenantId) {
        old.stream().filter(entry -> !kept.contains(entry)).forEach(entry -> index.remove(entry, tenantId));
    }

    private void remove(String tenantId) {
        TenantConfigPublished old = byTenant.remove(tenantId);
        if (old != null) {
            old.phoneNumbers().forEach(number -> tenantByNumber.remove(number, tenantId));
            old.apiKeyHashes().forEach(hash -> tenantByKeyHash.remove(hash, tenantId));
        }
    }

    public Optional<TenantConfigPublished> byId(String tenantId) {
        return Optional.ofNullable(tenantId).map(byTenant::get);
    }

    /** The enabled-or-not tenant a called number routes to. */
    public Optional<TenantConfigPublished> byPhoneNumber(String number) {
        return Optional.ofNullable(number).map(tenantByNumber::get).map(byTenant::get);
    }

    /** The enabled tenant that owns this API key, if the key is live. */
    public Optional<TenantConfigPublished> byApiKey(String apiKey) {
        if (apiKey == null || apiKey.isBlank()) {
            return Optional.empty();
        }
        return Optional.ofNullable(tenantByKeyHash.get(ApiKeys.hash(apiKey)))
                .map(byTenant::get)
                .filter(TenantConfigPublished::enabled);
    }

    public Collection<TenantConfigPublished> all() {
        return byTenant.values();
    }

    /** Whether every view published before this instance started has been read. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /**
     * Runs {@code action} once the directory has caught up (at once when it has), on the directory's consumer thread:
     * it must not wait on anything.
     */
    public void whenCaughtUp(Runnable action) {
        whenCaughtUp.add(action);
        if (caughtUp && whenCaughtUp.remove(action)) {
            action.run();
        }
    }

    /** Whether a listener container is the directory's own. */
    public static boolean isOwnListener(String listenerId) {
        return listenerId != null && listenerId.endsWith(LISTENER_SUFFIX);
    }

    /**
     * The rebalance listener of the directory's own consumer. Not the directory itself: Spring Boot hands a
     * {@link ConsumerAwareRebalanceListener} bean to every listener container of the application.
     */
    public ConsumerAwareRebalanceListener rebalanceListener() {
        return new ConsumerAwareRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Consumer<?, ?> assigned, Collection<TopicPartition> partitions) {
                TenantDirectory.this.onPartitionsAssigned(assigned, partitions);
            }
        };
    }

    void onPartitionsAssigned(Consumer<?, ?> assigned, Collection<TopicPartition> partitions) {
        this.consumer = assigned;
        if (caughtUp) {
            return;
        }
        if (partitions.isEmpty()) {
            return; // an assignment may arrive in steps; an empty step says nothing about the topic
        }
        if (partitionCount < 0) {
            partitionCount = assigned.partitionsFor(Topics.CONFIG).size();
        }
        Map<TopicPartition, Long> ends = assigned.endOffsets(partitions);
        partitions.stream().filter(checked::add).forEach(partition -> {
            long end = ends.getOrDefault(partition, 0L);
            if (end > assigned.position(partition)) {
                behind.put(partition, end);
            }
        });
        log.info("tenant directory assigned {} of {} partition(s); {} to read before it is caught up",
                checked.size(), partitionCount, behind.size());
        markIfCaughtUp();
    }

    /** An idle consumer has processed everything it fetched, so its positions are exact (they skip any gaps). */
    @EventListener
    void onIdle(ListenerContainerIdleEvent event) {
        Consumer<?, ?> current = consumer;
        if (caughtUp || current == null || event.getConsumer() != current) {
            return;
        }
        behind.entrySet().removeIf(entry -> current.position(entry.getKey()) >= entry.getValue());
        markIfCaughtUp();
    }

    private void markIfCaughtUp() {
        if (!caughtUp && behind.isEmpty() && consumer != null && partitionCount > 0 && checked.size() >= partitionCount) {
            caughtUp = true;
            log.info("tenant directory caught up: {} tenant view(s)", byTenant.size());
            for (Runnable action : whenCaughtUp) {
                if (whenCaughtUp.remove(action)) {
                    action.run();
                }
            }
        }
    }
}
