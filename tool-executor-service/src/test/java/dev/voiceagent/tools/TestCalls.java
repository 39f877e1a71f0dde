package dev.voiceagent.tools;

import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.Call;
import com.twilio.type.PhoneNumber;
import com.twilio.type.Twiml;
import dev.voiceagent.testkit.infra.SharedInfrastructure;
import dev.voiceagent.testkit.twilio.TwilioSimulator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.springframework.test.context.DynamicPropertyRegistry;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** What the executor's integration tests share: the Twilio simulator's wiring, calls in it, and fresh ids. */
final class TestCalls {

    private TestCalls() {
    }

    /**
     * Creates a test's reply topic as the bridge creates its own at start (one partition), before the executor's
     * first reply. Left to the broker's auto-creation, the executor's idempotent producer now and then met the
     * partitions while they were being created and then retried {@code OUT_OF_ORDER_SEQUENCE_NUMBER} for good:
     * every later reply on that partition hung.
     */
    static void createReplyTopic(String topic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedInfrastructure.kafka()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("could not create " + topic, e.getCause());
            }
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException("could not create " + topic, e);
        }
    }

    /** The executor on {@code port} (Twilio's callbacks come back to it), talking to the simulator's account. */
    static void twilioProperties(DynamicPropertyRegistry registry, int port, TwilioSimulator simulator, String sid,
                                 String token) {
        registry.add("server.port", () -> port);
        registry.add("voice.tools.public-base-url", () -> "http://localhost:" + port);
        registry.add("voice.twilio.api-base-url", simulator::baseUrl);
        registry.add("voice.twilio.account-sid", () -> sid);
        registry.add("voice.twilio.auth-token", () -> token);
    }

    /** A call that stays in the simulator (it does nothing but exist) for escalation to update; its SID. */
    static String liveCall(TwilioRestClient twilio, String from, String to) {
        AtomicReference<String> sid = new AtomicReference<>();
        StepVerifier.create(Mono.fromCallable(() -> Call.creator(new PhoneNumber(from), new PhoneNumber(to),
                                new Twiml("<Response><Pause length=\"5\"/></Response>")).create(twilio).getSid())
                        .subscribeOn(Schedulers.boundedElastic()))
                .consumeNextWith(sid::set).verifyComplete();
        return sid.get();
    }

    static String callSid() {
        return "CA" + UUID.randomUUID().toString().replace("-", "");
    }

    /** A caller number no other test uses, so per-number limits do not carry over. */
    static String uniqueNumber() {
        return "+1555" + String.format(Locale.ROOT, "%07d", (int) (Math.random() * 10_000_000));
    }
}
