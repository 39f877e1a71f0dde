package dev.voiceagent.bridge.session;

import dev.voiceagent.contracts.EventEnvelope;
import reactor.core.publisher.Mono;

/** Where a session's events go (Kafka in the service, a recorder in tests). */
@FunctionalInterface
public interface SessionEventPublisher {

    Mono<Void> publish(EventEnvelope<?> envelope);
}
