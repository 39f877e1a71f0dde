package dev.voiceagent.gateway.logstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.gateway.calllog.CallLog;
import dev.voiceagent.gateway.calllog.CallLogRepository;
import dev.voiceagent.gateway.support.GatewayProperties;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class CallLogStreamHandlerTest {

    static final Duration GRACE = Duration.ofMillis(50);

    /** The call log as the stream's second look finds it. */
    final AtomicReference<String> stored = new AtomicReference<>("in-progress");
    final CallLogRepository calls = new CallLogRepository(null) {
        @Override
        public Mono<CallLog> findForTenant(String tenantId, String callSid) {
            return Mono.just(call(stored.get()));
        }
    };
    final CallLogStreams streams = new CallLogStreams(16, GRACE);
    final CallLogStreamHandler handler = new CallLogStreamHandler(null, calls, streams,
            new GatewayProperties.LogStream(16, Duration.ofSeconds(15), GRACE, Duration.ofHours(4), 100));

    @Test
    void aCallThatEndedBetweenTheLookupAndTheWatchEndsItsStream() {
        // the handler read the call live; its end came before the watch was attached, when nobody watched
        stored.set("no-answer");
        StepVerifier.create(handler.events(call("in-progress")))
                .expectNextMatches(event -> event.comment() != null && event.comment().startsWith("streaming call"))
                .assertNext(event -> {
                    assertThat(event.event()).isEqualTo(CallLogStreamHandler.END);
                    assertThat(event.data()).isEqualTo(Map.of("status", "no-answer"));
                })
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void theEndEventNamesHowTheCallEnded() {
        StepVerifier.create(handler.events(call("in-progress")))
                .expectNextMatches(event -> event.comment() != null)
                .then(() -> {
                    stored.set("busy");
                    streams.complete("CA1");
                })
                .assertNext(event -> assertThat(event.data()).isEqualTo(Map.of("status", "busy")))
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    static CallLog call(String status) {
        Instant now = Instant.now();
        return new CallLog("CA1", "acme", CallLog.INBOUND, "+15555550100", "+15555550000", status, null, null, null,
                null, null, null, null, null, now, now, null, null);
    }
}
