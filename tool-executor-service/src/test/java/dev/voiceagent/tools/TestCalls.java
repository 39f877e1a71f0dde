package dev.voiceagent.tools;

import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.Call;
import com.twilio.type.PhoneNumber;
import com.twilio.type.Twiml;
import dev.voiceagent.testkit.twilio.TwilioSimulator;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.test.context.DynamicPropertyRegistry;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** What the executor's integration tests share: the Twilio simulator's wiring, calls in it, and fresh ids. */
final class TestCalls {

    private TestCalls() {
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
