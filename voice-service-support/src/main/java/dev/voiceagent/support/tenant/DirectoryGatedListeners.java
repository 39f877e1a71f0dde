package dev.voiceagent.support.tenant;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.config.ContainerCustomizer;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;

/**
 * Holds a service's Kafka listeners until its {@link TenantDirectory} has caught up, then starts them. A listener that
 * ran earlier would judge its events by a directory still being read: the tool executor would deny a live call's tool
 * for an unknown tenant (and keep that denial as the call's answer), the callback service would drop the tenant's
 * webhook, the evaluation service would score a call without its agent's contract. Meanwhile the records wait in
 * Kafka, from the group's committed offsets (or the earliest, for a new group).
 * <p>
 * Applied to every container of the default listener factory except the directory's own. A service whose
 * directory never catches up (no config topic) consumes nothing, as it is never ready either.
 */
public final class DirectoryGatedListeners
        implements ContainerCustomizer<Object, Object, ConcurrentMessageListenerContainer<Object, Object>> {

    private static final Logger log = LoggerFactory.getLogger(DirectoryGatedListeners.class);

    private final List<ConcurrentMessageListenerContainer<?, ?>> held = new ArrayList<>();
    private boolean released;

    /** Registers itself to be released by {@code directory} once it has caught up. */
    public DirectoryGatedListeners(TenantDirectory directory) {
        directory.whenCaughtUp(this::release);
    }

    @Override
    public synchronized void configure(ConcurrentMessageListenerContainer<Object, Object> container) {
        if (released || TenantDirectory.isOwnListener(container.getListenerId())) {
            return;
        }
        container.setAutoStartup(false);
        held.add(container);
    }

    /** The listeners held so far, by id. */
    public synchronized List<String> held() {
        return held.stream().map(ConcurrentMessageListenerContainer::getListenerId).toList();
    }

    /** Whether the held listeners have been started. */
    public synchronized boolean released() {
        return released;
    }

    private synchronized void release() {
        released = true;
        for (ConcurrentMessageListenerContainer<?, ?> container : held) {
            if (container.isRunning()) {
                continue;
            }
            try {
                container.start();
            } catch (RuntimeException e) {
                log.error("could not start listener {} after the tenant directory caught up: {}",
                        container.getListenerId(), e.toString());
            }
        }
        log.info("tenant directory caught up: started {} listener(s) held for it {}", held.size(), held());
    }
}
