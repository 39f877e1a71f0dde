package dev.voiceagent.callbacks.task;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Priorities and due times: a task is due its priority's SLA after it was requested. Unknown or missing
 * priorities are {@code normal}; without a configured SLA for {@code normal}, four hours.
 */
@Component
public class SlaPolicy {

    public static final String NORMAL = "normal";
    static final Duration FALLBACK = Duration.ofHours(4);

    private final Map<String, Duration> sla;

    public SlaPolicy(CallbackProperties properties) {
        this.sla = properties.sla();
    }

    public String priority(String requested) {
        String p = requested == null ? NORMAL : requested.trim().toLowerCase(Locale.ROOT);
        return sla.containsKey(p) ? p : NORMAL;
    }

    /** The SLA window of a priority: a task is due this long after it was requested. */
    public Duration window(String priority) {
        return sla.getOrDefault(priority(priority), sla.getOrDefault(NORMAL, FALLBACK));
    }

    /** SQL for the SLA window of each row's {@code priority} (configured durations, inlined as seconds). */
    public String windowSql() {
        StringBuilder sql = new StringBuilder("(CASE priority");
        sla.forEach((priority, window) -> sql.append(" WHEN '").append(priority.replace("'", ""))
                .append("' THEN INTERVAL '").append(window.toSeconds()).append(" seconds'"));
        return sql.append(" ELSE INTERVAL '").append(window(NORMAL).toSeconds()).append(" seconds' END)").toString();
    }

    public Instant dueAt(String priority, Instant requestedAt) {
        return requestedAt.plus(sla.getOrDefault(priority(priority), sla.getOrDefault(NORMAL, FALLBACK)));
    }
}
