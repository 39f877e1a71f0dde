package dev.voiceagent.support;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.VoiceEvent;
import dev.voiceagent.support.observability.TraceContinuation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.kafka.core.KafkaTemplate;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Publishes events in their envelope to the topic their type belongs to, keyed by call SID (tenant id for
 * config). The producer is idempotent with {@code acks=all}; trace context rides in the record headers.
 */
public class EventPublisher {

    /** Record headers (CloudEvents' Kafka binding style) naming the call and tenant, so consumers need not parse. */
    public static final String CALL_SID_HEADER = "ce_callsid";
    public static final String TENANT_HEADER = "ce_tenantid";

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);

    private final KafkaTemplate<String, String> template;
    /** The same producer without observations: records that name their trace but are no operation in it. */
    private final KafkaTemplate<String, String> unobserved;
    private final String source;

    public EventPublisher(KafkaTemplate<String, String> template, String source) {
        this.template = template;
        this.unobserved = new KafkaTemplate<>(template.getProducerFactory());
        this.unobserved.setObservationEnabled(false);
        this.source = source;
    }

    /** The name events from this service carry as their {@code source}. */
    public String source() {
        return source;
    }

    public <T extends VoiceEvent> Mono<EventEnvelope<T>> publish(String tenantId, String callSid, T event) {
        EventEnvelope<T> envelope = EventEnvelope.of(source, tenantId, callSid, event);
        return publish(envelope).thenReturn(envelope);
    }

    public Mono<Void> publish(EventEnvelope<?> envelope) {
        return send(envelope.topic(), envelope);
    }

    /** Sends an envelope to a topic other than its type's home topic (e.g. a per-instance reply topic). */
    public Mono<Void> send(String topic, EventEnvelope<?> envelope) {
        return send(template, record(topic, envelope));
    }

    /**
     * Publishes a high-volume record that belongs to a trace but is no operation in it (a log line): no producer
     * span, and {@code traceparent} (the trace it belongs to, when valid) written to its headers as given, so that
     * consumers and the topic's readers can still join it to the call's trace. Costs a fraction of a traced send.
     */
    public Mono<Void> publishInTrace(EventEnvelope<?> envelope, String traceparent) {
        ProducerRecord<String, String> record = record(envelope.topic(), envelope);
        if (TraceContinuation.valid(traceparent)) {
            record.headers().add(TraceContinuation.TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
        }
        return send(unobserved, record);
    }

    private static ProducerRecord<String, String> record(String topic, EventEnvelope<?> envelope) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, envelope.key(), EventCodec.encode(envelope));
        record.headers().add("ce_type", envelope.type().wireName().getBytes(StandardCharsets.UTF_8));
        record.headers().add("ce_id", envelope.id().getBytes(StandardCharsets.UTF_8));
        if (envelope.callSid() != null) {
            record.headers().add(CALL_SID_HEADER, envelope.callSid().getBytes(StandardCharsets.UTF_8));
        }
        if (envelope.tenantId() != null) {
            record.headers().add(TENANT_HEADER, envelope.tenantId().getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    private static Mono<Void> send(KafkaTemplate<String, String> template, ProducerRecord<String, String> record) {
        // send() may block for metadata (max.block.ms), and a chained send would otherwise run on the
        // producer's own I/O thread, where it waits for metadata only that thread can fetch
        return Mono.fromFuture(() -> template.send(record))
                .subscribeOn(Schedulers.boundedElastic())
                .timeout(SEND_TIMEOUT)
                .then();
    }
}
