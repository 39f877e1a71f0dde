package dev.voiceagent.testkit.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The garbage collections of this JVM while a benchmark measures: how many, how long they took in all and at most,
 * by collector. A stop-the-world pause holds every request in flight, so at a few hundred requests a second the
 * longest pauses are what a p99 is made of; a report that names them tells a GC tail from a CPU queue.
 * <p>
 * Concurrent collectors report their cycles as well as their pauses (ZGC's "ZGC Cycles" and "ZGC Pauses", Shenandoah's
 * "Shenandoah Cycles" and "Shenandoah Pauses", G1's "G1 Concurrent GC" from Java 20): those run beside the
 * application and are listed apart.
 */
public final class GcPauses implements AutoCloseable {

    private record Collection(String collector, long millis) {
    }

    private final ConcurrentLinkedQueue<Collection> collections = new ConcurrentLinkedQueue<>();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::onNotification;

    private GcPauses() {
    }

    /** Starts recording; {@link #close} stops. */
    public static GcPauses record() {
        GcPauses pauses = new GcPauses();
        for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (bean instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(pauses.listener, null, null);
                pauses.emitters.add(emitter);
            }
        }
        return pauses;
    }

    private void onNotification(Notification notification, Object handback) {
        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
            collections.add(new Collection(info.getGcName(), info.getGcInfo().getDuration()));
        }
    }

    /** Whether a collector's entries are concurrent cycles rather than pauses. */
    private static boolean concurrentCycles(String collector) {
        return collector.endsWith("Cycles") || collector.contains("Concurrent");
    }

    /** The longest pause recorded, in milliseconds (collectors' cycles excluded). */
    public long maxPauseMillis() {
        return collections.stream().filter(c -> !concurrentCycles(c.collector()))
                .mapToLong(Collection::millis).max().orElse(0);
    }

    /** One line per collector: count, total and longest, in milliseconds (the MXBeans' resolution). */
    public String report() {
        StringBuilder out = new StringBuilder();
        collections.stream()
                .collect(Collectors.groupingBy(Collection::collector, TreeMap::new,
                        Collectors.summarizingLong(Collection::millis)))
                .forEach((collector, millis) -> out.append(String.format(Locale.ROOT,
                        "  %-22s %5d %s, %6d ms in all, longest %4d ms%n", collector, millis.getCount(),
                        concurrentCycles(collector) ? "cycles (concurrent)" : "pauses", millis.getSum(),
                        millis.getMax())));
        return out.isEmpty() ? "  none\n" : out.toString();
    }

    @Override
    public void close() {
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(listener);
            } catch (ListenerNotFoundException e) {
                // already removed
            }
        }
        emitters.clear();
    }
}
