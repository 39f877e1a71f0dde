package dev.voiceagent.support.tenant;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventDecodingException;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.Topics;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;

/**
 * The config service's published tenant views, read from the compacted {@link Topics#CONFIG} topic into memory
 * by every instance (its own consumer group, from the beginning), so the call path never waits on a lookup.
 * Resolves tenants by id, by phone number and by API key hash.
 */
public class TenantDirectory {

    private static final Logger log = LoggerFactory.getLogger(TenantDirectory.class);

    private final Map<String, TenantConfigPublished> byTenant = new ConcurrentHashMap<>();
    private final Map<String, String> tenantByNumber = new ConcurrentHashMap<>();
    private final Map<String, String> tenantByKeyHash = new ConcurrentHashMap<>();

    @KafkaListener(id = "${spring.application.name}-tenant-directory", topics = Topics.CONFIG,
            groupId = "${spring.application.name}-directory-${random.uuid}",
            properties = {"auto.offset.reset=earliest", "enable.auto.commit=false"})
    void onConfig(ConsumerRecord<String, String> record) {
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
        remove(view.tenantId());
        byTenant.put(view.tenantId(), view);
        view.phoneNumbers().forEach(number -> tenantByNumber.put(number, view.tenantId()));
        view.apiKeyHashes().forEach(hash -> tenantByKeyHash.put(hash, view.tenantId()));
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
}
