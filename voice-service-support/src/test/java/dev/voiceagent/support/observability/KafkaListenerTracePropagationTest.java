package dev.voiceagent.support.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.kafka.annotation.KafkaListener;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

class KafkaListenerTracePropagationTest {

    /** Stands in for a service's listener: what its pipeline sees once it has left the consumer thread. */
    public static class SampleListener {

        @KafkaListener(topics = "voice.sample.v1")
        public Mono<Observation> onRecord(String record) {
            return Mono.fromCallable(() -> ObservationRegistryHolder.registry.getCurrentObservation())
                    .subscribeOn(Schedulers.boundedElastic());
        }

        public Mono<String> notAListener() {
            return Mono.just("plain");
        }
    }

    /** A listener taking the record, as the services' listeners do. */
    public static class RecordListener {

        @KafkaListener(topics = "voice.sample.v1")
        public Mono<CallLogContext.Call> onRecord(org.apache.kafka.clients.consumer.ConsumerRecord<String, String> record) {
            return Mono.deferContextual(context -> Mono.justOrEmpty(CallLogContext.of(context)))
                    .subscribeOn(Schedulers.boundedElastic());
        }
    }

    /** Spring Kafka also calls package-private listener methods; private ones cannot be proxied. */
    static class PackagePrivateListener {

        @KafkaListener(topics = "voice.sample.v1")
        Mono<Observation> onRecord(String record) {
            return Mono.fromCallable(() -> ObservationRegistryHolder.registry.getCurrentObservation())
                    .subscribeOn(Schedulers.boundedElastic());
        }
    }

    /** A listener whose store fails a given number of times before it works. */
    public static class FlakyStoreListener {
        final java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        volatile int failures;
        volatile RuntimeException failure;

        @KafkaListener(topics = "voice.sample.v1")
        public Mono<Integer> onRecord(String record) {
            return Mono.fromCallable(() -> {
                int attempt = attempts.incrementAndGet();
                if (attempt <= failures) {
                    throw failure;
                }
                return attempt;
            });
        }
    }

    static class PrivateListener {

        @KafkaListener(topics = "voice.sample.v1")
        private Mono<Void> onRecord(String record) {
            return Mono.empty();
        }
    }

    static final class ObservationRegistryHolder {
        static ObservationRegistry registry;
    }

    private final ObservationRegistry registry = ObservationRegistry.create();

    @BeforeEach
    void enablePropagation() {
        registry.observationConfig().observationHandler(context -> true);
        ObservationRegistryHolder.registry = registry;
        ObservationThreadLocalAccessor.getInstance().setObservationRegistry(registry);
        Hooks.enableAutomaticContextPropagation();
    }

    @AfterEach
    void disablePropagation() {
        Hooks.disableAutomaticContextPropagation();
    }

    @Test
    void keepsTheConsumerObservationInTheReturnedPipeline() {
        SampleListener listener = (SampleListener) new KafkaListenerTracePropagation()
                .postProcessAfterInitialization(new SampleListener(), "sampleListener");
        assertThat(AopUtils.isCglibProxy(listener)).isTrue();

        Observation consumer = Observation.start("voice.sample.v1 process", registry);
        Mono<Observation> pipeline;
        try (Observation.Scope scope = consumer.openScope()) {
            pipeline = listener.onRecord("record");
        }
        StepVerifier.create(pipeline).expectNext(consumer).verifyComplete();
        consumer.stop();
    }

    @Test
    void withoutItThePipelineLosesTheObservation() {
        Observation consumer = Observation.start("voice.sample.v1 process", registry);
        Mono<Observation> pipeline;
        try (Observation.Scope scope = consumer.openScope()) {
            pipeline = new SampleListener().onRecord("record");
        }
        StepVerifier.create(pipeline).verifyComplete();
        consumer.stop();
    }

    @Test
    void coversPackagePrivateListenerMethods() {
        PackagePrivateListener listener = (PackagePrivateListener) new KafkaListenerTracePropagation()
                .postProcessAfterInitialization(new PackagePrivateListener(), "packagePrivateListener");
        Observation consumer = Observation.start("voice.sample.v1 process", registry);
        Mono<Observation> pipeline;
        try (Observation.Scope scope = consumer.openScope()) {
            pipeline = listener.onRecord("record");
        }
        StepVerifier.create(pipeline).expectNext(consumer).verifyComplete();
        consumer.stop();
    }

    @Test
    void leavesBeansItCannotProxyAlone() {
        PrivateListener listener = new PrivateListener();
        assertThat(new KafkaListenerTracePropagation().postProcessAfterInitialization(listener, "private"))
                .isSameAs(listener);
    }

    @Test
    void leavesBeansWithoutReactiveListenersAlone() {
        Object plain = new Object();
        assertThat(new KafkaListenerTracePropagation().postProcessAfterInitialization(plain, "plain")).isSameAs(plain);
    }

    @Test
    void tagsPipelinesWithTheCallForTheirLogs() {
        Mono<String> callSid = Mono.deferContextual(context -> Mono.just(CallLogContext.of(context).callSid()));
        StepVerifier.create(callSid.transform(CallLogContext.forCall("demo", "CA1"))).expectNext("CA1").verifyComplete();
    }

    @Test
    void tagsTheListenersPipelineWithTheRecordsCallForLogs() {
        RecordListener listener = (RecordListener) new KafkaListenerTracePropagation()
                .postProcessAfterInitialization(new RecordListener(), "recordListener");
        var record = new org.apache.kafka.clients.consumer.ConsumerRecord<String, String>("voice.sample.v1", 0, 0L,
                "CA1", "{}");
        record.headers().add(dev.voiceagent.support.EventPublisher.CALL_SID_HEADER, "CA1".getBytes());
        record.headers().add(dev.voiceagent.support.EventPublisher.TENANT_HEADER, "demo".getBytes());
        StepVerifier.create(listener.onRecord(record))
                .expectNext(new CallLogContext.Call("demo", "CA1"))
                .verifyComplete();

        var untagged = new org.apache.kafka.clients.consumer.ConsumerRecord<String, String>("voice.sample.v1", 0, 1L,
                "demo", "{}");
        StepVerifier.create(listener.onRecord(untagged)).verifyComplete();
    }

    @Test
    void aPipelineWaitsOutAnUnreachableDatabaseButNotOtherFailures() {
        FlakyStoreListener target = new FlakyStoreListener();
        FlakyStoreListener listener = (FlakyStoreListener) new KafkaListenerTracePropagation(java.time.Duration.ofSeconds(30))
                .postProcessAfterInitialization(target, "flaky");
        target.failures = 3;
        target.failure = new org.springframework.dao.DataAccessResourceFailureException("connection refused",
                new io.r2dbc.spi.R2dbcNonTransientResourceException("Connection refused"));
        StepVerifier.create(listener.onRecord("r")).expectNext(4).verifyComplete();

        target.attempts.set(0);
        target.failure = new IllegalStateException("Twilio timed out");
        StepVerifier.create(listener.onRecord("r")).verifyErrorMessage("Twilio timed out");
        assertThat(target.attempts).as("an effect with an unknown outcome is not repeated").hasValue(1);
    }

    @Test
    void theWaitEndsAtTheOutageLimit() {
        FlakyStoreListener target = new FlakyStoreListener();
        FlakyStoreListener listener = (FlakyStoreListener) new KafkaListenerTracePropagation(java.time.Duration.ofMillis(500))
                .postProcessAfterInitialization(target, "flaky");
        target.failures = Integer.MAX_VALUE;
        target.failure = new org.springframework.dao.DataAccessResourceFailureException("connection refused");
        StepVerifier.create(listener.onRecord("r")).verifyError(org.springframework.dao.DataAccessResourceFailureException.class);
        assertThat(target.attempts.get()).isBetween(2, 6);
    }
}
