package dev.voiceagent.localstack;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Test-only: remembers the service contexts the local stack runs in this JVM, so that tests can inspect their
 * beans (routes for the API documents). Registered through {@code META-INF/spring.factories}.
 */
public class RunningContexts implements ApplicationListener<ApplicationEvent> {

    private static final List<ConfigurableApplicationContext> CONTEXTS = new CopyOnWriteArrayList<>();

    static List<ConfigurableApplicationContext> all() {
        return List.copyOf(CONTEXTS);
    }

    @Override
    public void onApplicationEvent(ApplicationEvent event) {
        if (event instanceof ApplicationReadyEvent ready) {
            CONTEXTS.add(ready.getApplicationContext());
        } else if (event instanceof ContextClosedEvent closed) {
            CONTEXTS.remove(closed.getApplicationContext());
        }
    }
}
