package dev.voiceagent.callbacks.sla;

import dev.voiceagent.callbacks.task.CallbackTask;
import dev.voiceagent.callbacks.task.TaskRepository.SlaCount;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * {@code voice.callbacks.tasks{state,status}}: active tasks of all tenants by SLA state and status, as counted by
 * the last sweep. Scrapes read the held values; no query runs per scrape.
 */
@Component
public class CallbackQueueMetrics {

    private final Map<String, AtomicLong> counts = new HashMap<>();

    public CallbackQueueMetrics(MeterRegistry registry) {
        for (SlaState state : SlaState.values()) {
            for (String status : List.of(CallbackTask.OPEN, CallbackTask.CLAIMED)) {
                AtomicLong count = new AtomicLong();
                counts.put(key(status, state.wire()), count);
                Gauge.builder("voice.callbacks.tasks", count, AtomicLong::get)
                        .description("Active callback tasks by SLA state and status, as of the last sweep")
                        .tag("state", state.wire()).tag("status", status)
                        .register(registry);
            }
        }
    }

    /** Replaces every count: a state and status absent from the sweep's answer reads zero. */
    public void update(List<SlaCount> sweep) {
        Map<String, Long> seen = new HashMap<>();
        sweep.forEach(c -> seen.merge(key(c.status(), c.slaState()), c.count(), Long::sum));
        counts.forEach((key, count) -> count.set(seen.getOrDefault(key, 0L)));
    }

    private static String key(String status, String state) {
        return status + '/' + state;
    }
}
