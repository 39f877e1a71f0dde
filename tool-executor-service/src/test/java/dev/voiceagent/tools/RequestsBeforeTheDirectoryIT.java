package dev.voiceagent.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.support.tenant.DirectoryGatedListeners;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.SharedInfrastructure;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import dev.voiceagent.testkit.kafka.TopicProbe;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;

/**
 * A tool request already waiting on its topic when the executor starts (a restart, a rolling deploy, a new instance
 * taking partitions over) is judged by the tenant's published view, not by a directory still being read: the
 * executor's listeners start only once its tenant directory has caught up. Before, the request could be denied for
 * an unknown tenant, and that denial kept as the call's answer. (Whether a fresh instance met the empty directory
 * was a race, so the old service often passed the first test too; the second shows the listener held.)
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        // the request waits while this context starts; it must not count as too late for the bridge
        properties = {"voice.tools.max-request-age=10m", "voice.tools.bridge-tool-timeout=11m"})
@VoiceInfrastructure
class RequestsBeforeTheDirectoryIT {

    static final String TENANT = "early-" + UUID.randomUUID().toString().substring(0, 8);
    static final String VERSION = TENANT + "-v1";
    static final String CALL_SID = "CA" + UUID.randomUUID().toString().replace("-", "");
    static final String TOOL_CALL_ID = "call_" + UUID.randomUUID();
    static final String REPLY_TOPIC = Topics.toolReplies("it-early");
    static final Duration WAIT = Duration.ofSeconds(30);

    /** Before the service's context exists: the tenant's view and a request for one of its tools. */
    @BeforeAll
    static void replyTopic() {
        TestCalls.createReplyTopic(REPLY_TOPIC);
    }

    @BeforeAll
    static void publishBeforeTheServiceStarts() throws Exception {
        String bootstrap = SharedInfrastructure.kafka();
        createTopics(bootstrap);
        TenantConfigPublished view = TestTenants.tenant(TENANT, "+15555550177", "UTC",
                TestTenants.agent("default", VERSION, List.of("noop"), null));
        ToolRequested request = new ToolRequested(TOOL_CALL_ID, "noop", Map.of(), VERSION, "support",
                "+15555550100", REPLY_TOPIC);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(Topics.CONFIG, TENANT,
                    EventCodec.encode(EventEnvelope.of("config-service", TENANT, null, view)))).get();
            // other test classes' executors may still run in this JVM (Spring keeps their contexts) in the same
            // consumer group: give their live directories a moment to read the view, so whichever instance takes
            // the request knows the tenant, as running instances do in production
            Thread.sleep(1_000);
            producer.send(new ProducerRecord<>(Topics.TOOL_REQUESTS, CALL_SID,
                    EventCodec.encode(EventEnvelope.of("media-bridge-service", TENANT, CALL_SID, request)))).get();
        }
    }

    /** As the services declare them, in case no service has started on this broker yet. */
    private static void createTopics(String bootstrap) throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            for (NewTopic topic : List.of(
                    new NewTopic(Topics.CONFIG, 3, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                            TopicConfig.CLEANUP_POLICY_COMPACT)),
                    new NewTopic(Topics.TOOL_REQUESTS, 3, (short) 1))) {
                try {
                    admin.createTopics(List.of(topic)).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException(e.getCause());
                    }
                }
            }
        }
    }

    @Autowired TenantDirectory directory;
    @Autowired DirectoryGatedListeners gate;
    @Autowired KafkaListenerEndpointRegistry listeners;
    @Value("${spring.kafka.bootstrap-servers}") String bootstrap;

    @Test
    void aRequestWaitingAtStartIsAnsweredWithTheTenantsPublishedView() {
        List<ConsumerRecord<String, String>> replies = new TopicProbe(bootstrap).await(REPLY_TOPIC,
                r -> r.value().contains(TOOL_CALL_ID), 1, WAIT, Duration.ZERO);
        assertThat(replies).as("reply to the request published before the start").isNotEmpty();
        ToolCompleted completed = (ToolCompleted) EventCodec.decode(replies.get(0).value()).orElseThrow().data();
        assertThat(completed.status()).as("reason: %s", completed.reason()).isEqualTo(ToolCompleted.OK);
        assertThat(completed.output()).isEqualTo(Map.of("ok", true));
    }

    @Test
    void theListenersWaitForTheDirectoryAndItsOwnDoesNot() {
        await().atMost(WAIT).until(directory::caughtUp);
        assertThat(gate.released()).isTrue();
        assertThat(gate.held()).contains("tool-requests").noneMatch(TenantDirectory::isOwnListener);
        assertThat(listeners.getListenerContainer("tool-requests")).satisfies(container -> {
            assertThat(container.isAutoStartup()).as("started by the gate, not at the context's start").isFalse();
            assertThat(container.isRunning()).isTrue();
        });
    }
}
