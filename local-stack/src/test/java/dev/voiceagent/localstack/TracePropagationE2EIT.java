package dev.voiceagent.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.EventType;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * One call, one trace: the whole suite runs with an in-memory span exporter in every service context, a call is
 * placed through make-call with a known W3C {@code traceparent}, and the spans and Kafka record headers of that
 * call are checked for one trace id across the services.
 */
class TracePropagationE2EIT {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Map<String, String> TEST_PROPERTIES = Map.of(
            CapturedSpans.ENABLED_PROPERTY, "true",
            // the batch processor would otherwise hold spans for five seconds
            "management.opentelemetry.tracing.export.schedule-delay", "100ms");

    private static LocalStack stack;
    private static TopicRecorder topics;
    private static WebTestClient gateway;

    @BeforeAll
    static void startStack() {
        TEST_PROPERTIES.forEach(System::setProperty);
        CapturedSpans.clear();
        stack = LocalStack.start(LocalStackOptions.forTests());
        topics = new TopicRecorder(stack.kafkaBootstrapServers());
        gateway = WebTestClient.bindToServer().baseUrl(stack.gatewayUrl()).responseTimeout(Duration.ofSeconds(15)).build();
    }

    @AfterAll
    static void stopStack() {
        if (topics != null) {
            topics.close();
        }
        if (stack != null) {
            stack.close();
        }
        TEST_PROPERTIES.keySet().forEach(System::clearProperty);
        CapturedSpans.clear();
    }

    @Test
    void oneCallIsOneTraceAcrossServices() {
        String traceId = HexFormat.of().formatHex(randomBytes(16));
        String callSid = makeCall(traceId);

        Set<EventType> expected = Set.of(EventType.CALL_CREATED, EventType.SESSION_STARTED, EventType.TOOL_REQUESTED,
                EventType.TOOL_COMPLETED, EventType.SESSION_OUTCOME, EventType.CALLBACK_REQUESTED,
                EventType.EVALUATION_COMPLETED);
        List<TopicRecorder.Seen> records = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> topics.forCall(callSid), seen -> seen.stream().map(s -> s.envelope().type())
                        .collect(Collectors.toSet()).containsAll(expected));
        // consumer spans end after the records that prove the call is over; give the exporters a moment
        await().atMost(Duration.ofSeconds(10)).until(() -> services(CapturedSpans.all()).size() >= 5);

        System.out.println(describe(traceId, records));
    }

    private String makeCall(String traceId) {
        String traceparent = "00-" + traceId + "-" + HexFormat.of().formatHex(randomBytes(8)) + "-01";
        Map<String, Object> created = gateway.post().uri("/api/v1/make-call")
                .header("x-api-key", "demo-key")
                .header("traceparent", traceparent)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"to\":\"+15555550100\"}")
                .exchange()
                .expectStatus().is2xxSuccessful()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult().getResponseBody();
        return (String) created.get("call_sid");
    }

    private static Set<String> services(List<CapturedSpans.Captured> spans) {
        return spans.stream().map(CapturedSpans.Captured::service).collect(Collectors.toSet());
    }

    private static String traceIdOf(String traceparent) {
        return traceparent == null ? null : traceparent.split("-")[1];
    }

    /** What went where, for the failure message: records by trace id, spans by trace id and service. */
    private static String describe(String traceId, List<TopicRecorder.Seen> records) {
        StringBuilder out = new StringBuilder("expected trace " + traceId + "\nrecords:\n");
        records.forEach(r -> out.append("  ").append(traceIdOf(r.traceparent())).append(' ').append(r.topic())
                .append(' ').append(r.envelope().type()).append(" from ").append(r.envelope().source()).append('\n'));
        Map<String, List<CapturedSpans.Captured>> byTrace = new TreeMap<>(CapturedSpans.all().stream()
                .collect(Collectors.groupingBy(CapturedSpans.Captured::traceId)));
        out.append("spans:\n");
        byTrace.forEach((trace, spans) -> {
            out.append("  ").append(trace).append('\n');
            spans.forEach(s -> out.append("    ").append(s.service()).append(' ').append(s.kind()).append(' ')
                    .append(s.name()).append('\n'));
        });
        return out.toString();
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
