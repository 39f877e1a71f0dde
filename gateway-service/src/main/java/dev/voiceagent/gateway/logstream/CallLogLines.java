package dev.voiceagent.gateway.logstream;

import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.LogLine;
import dev.voiceagent.gateway.support.BackgroundSender;
import dev.voiceagent.gateway.support.CallTraces;
import dev.voiceagent.support.EventPublisher;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The gateway's own log lines about a call (webhook received, status changed, stream connected/closed): shown at
 * once to this instance's live streams and published to {@code voice.logs.v1} in the background for the rest of
 * the platform. Messages must already be safe: masked numbers, no secrets.
 */
public class CallLogLines {

    private static final int REMEMBERED = 4096;

    private final EventPublisher publisher;
    private final CallLogStreams streams;
    private final BackgroundSender<QueuedLine> sender;
    private final CallTraces traces;
    /** Ids of lines published here, so the topic listener does not show them a second time. */
    private final Set<String> ownIds = Collections.synchronizedSet(Collections.newSetFromMap(
            new LinkedHashMap<>(REMEMBERED * 2, 0.75f) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > REMEMBERED;
                }
            }));

    public CallLogLines(EventPublisher publisher, CallLogStreams streams, int queueCapacity, CallTraces traces) {
        this.publisher = publisher;
        this.streams = streams;
        this.traces = traces;
        // a queued line is published later, naming the trace of the request that logged it (no span of its own:
        // a line is a fact about the call, not an operation in it, and a span per line would crowd the trace)
        this.sender = new BackgroundSender<>("log-line publisher", queueCapacity, 16,
                queued -> publisher.publishInTrace(queued.line(), queued.traceparent()));
    }

    /** A line waiting to be published, with the trace it belongs to. */
    public record QueuedLine(EventEnvelope<LogLine> line, String traceparent) {
    }

    /** The background publisher, registered as a lifecycle bean by the configuration. */
    public BackgroundSender<QueuedLine> sender() {
        return sender;
    }

    public void info(String tenantId, String callSid, String message) {
        emit(tenantId, callSid, LogLine.INFO, message);
    }

    public void warn(String tenantId, String callSid, String message) {
        emit(tenantId, callSid, LogLine.WARN, message);
    }

    /**
     * A line about a call whose trace this thread does not carry (the media stream: Twilio opens it with no trace
     * headers); {@code traceparent} is the call's, from its media token.
     */
    public void info(String tenantId, String callSid, String message, String traceparent) {
        emit(tenantId, callSid, LogLine.INFO, message, traceparent);
    }

    private void emit(String tenantId, String callSid, String level, String message) {
        emit(tenantId, callSid, level, message, traces.current());
    }

    private void emit(String tenantId, String callSid, String level, String message, String traceparent) {
        if (callSid == null) {
            return;
        }
        EventEnvelope<LogLine> line = EventEnvelope.of(publisher.source(), tenantId, callSid, new LogLine(level, message));
        if (streams.watched(callSid)) {
            // remembered only while watched: a line the listener meets for an unwatched call is dropped anyway
            ownIds.add(line.id());
            streams.publish(line);
        }
        sender.offer(new QueuedLine(line, traceparent));
    }

    /** Whether a line read from the topic was emitted by this instance (and so already shown). */
    public boolean isOwn(String eventId) {
        return ownIds.remove(eventId);
    }
}
