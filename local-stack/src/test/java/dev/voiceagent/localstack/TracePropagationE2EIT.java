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

    /** The services whose spans join the session's trace today. */
    private static final Set<String> SESSION_SERVICES = Set.of("gateway-service", "media-bridge-service",
            "tool-executor-service", "evaluation-service", "callback-service");

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
        String callTrace = newTraceId();
        String callSid = makeCall(callTrace);
        List<TopicRecorder.Seen> records = awaitWholeCall(callSid);
        String sessionTrace = traceIdOf(only(records, EventType.SESSION_STARTED).traceparent());
        // consumer spans end after the records that prove the call is over; give the exporters a moment
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> services(CapturedSpans.inTrace(sessionTrace)).containsAll(SESSION_SERVICES));
        String diagnosis = describe(callTrace, records);

        // the public request's trace reaches Kafka: make-call span, then CALL_CREATED with its traceparent
        assertThat(traceIdOf(only(records, EventType.CALL_CREATED).traceparent())).as(diagnosis).isEqualTo(callTrace);
        assertThat(CapturedSpans.inTrace(callTrace)).as(diagnosis)
                .anyMatch(span -> span.service().equals("gateway-service") && span.kind().equals("SERVER"))
                .anyMatch(span -> span.service().equals("gateway-service") && span.kind().equals("PRODUCER"));

        // every record of the session, whichever service produced it, carries the session's trace in traceparent
        assertThat(records).as(diagnosis).allSatisfy(record -> assertThat(record.traceparent()).isNotNull());
        assertThat(records).filteredOn(record -> !record.envelope().source().equals("gateway-service"))
                .as(diagnosis).extracting(record -> traceIdOf(record.traceparent())).containsOnly(sessionTrace);
        assertThat(records).filteredOn(record -> !record.envelope().source().equals("gateway-service"))
                .as(diagnosis).extracting(record -> record.envelope().source())
                .contains("media-bridge-service", "tool-executor-service", "evaluation-service");

        // and the spans of that trace: the bridge's session, each consumer, and what each consumer published
        List<CapturedSpans.Captured> session = CapturedSpans.inTrace(sessionTrace);
        assertThat(services(session)).as(diagnosis).containsAll(SESSION_SERVICES);
        assertThat(session).as(diagnosis)
                .anyMatch(span -> is(span, "media-bridge-service", "SERVER"))
                .anyMatch(span -> is(span, "tool-executor-service", "CONSUMER"))
                .anyMatch(span -> is(span, "tool-executor-service", "PRODUCER"))
                .anyMatch(span -> is(span, "media-bridge-service", "CONSUMER"))
                .anyMatch(span -> is(span, "evaluation-service", "CONSUMER"))
                .anyMatch(span -> is(span, "evaluation-service", "PRODUCER"))
                .anyMatch(span -> is(span, "callback-service", "CONSUMER"))
                .anyMatch(span -> is(span, "gateway-service", "CONSUMER"));
    }

    /**
     * The target: the call's first request (make-call, or incoming-call for inbound calls), its status webhooks
     * and its media stream in the same trace as the session. It needs the gateway to carry the call's trace
     * context across Twilio (Twilio sends no traceparent) and to the bridge; see docs/observability.md.
     */
    @Test
    void theCallsFirstRequestAndTheSessionShareOneTrace() {
        String callTrace = newTraceId();
        String callSid = makeCall(callTrace);
        List<TopicRecorder.Seen> records = awaitWholeCall(callSid);
        assertThat(records).as(describe(callTrace, records))
                .extracting(record -> traceIdOf(record.traceparent())).containsOnly(callTrace);
    }

    @Test
    void exposesKafkaLagAndLatencyHistograms() {
        WebTestClient tools = scraper(stack.url("tool-executor-service"));
        String metrics = tools.get().uri("/metrics").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(metrics).contains("kafka_consumer_fetch_manager_records_lag_max",
                "application=\"tool-executor-service\"");

        String gatewayMetrics = scraper(stack.gatewayUrl()).get().uri("/metrics").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(gatewayMetrics).contains("http_server_requests_seconds_bucket", "spring_kafka_template_seconds");
    }

    /** Prometheus pages with histograms run to megabytes. */
    private static WebTestClient scraper(String baseUrl) {
        return WebTestClient.bindToServer().baseUrl(baseUrl)
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(16 * 1024 * 1024)).build();
    }

    private static List<TopicRecorder.Seen> awaitWholeCall(String callSid) {
        Set<EventType> expected = Set.of(EventType.CALL_CREATED, EventType.SESSION_STARTED, EventType.TOOL_REQUESTED,
                EventType.TOOL_COMPLETED, EventType.SESSION_OUTCOME, EventType.EVALUATION_COMPLETED,
                EventType.SESSION_ENDED);
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> topics.forCall(callSid), seen -> seen.stream().map(s -> s.envelope().type())
                        .collect(Collectors.toSet()).containsAll(expected));
    }

    private static TopicRecorder.Seen only(List<TopicRecorder.Seen> records, EventType type) {
        List<TopicRecorder.Seen> ofType = records.stream().filter(r -> r.envelope().type() == type).toList();
        assertThat(ofType).as(type.toString()).hasSize(1);
        return ofType.get(0);
    }

    private static boolean is(CapturedSpans.Captured span, String service, String kind) {
        return span.service().equals(service) && span.kind().equals(kind);
    }

    private static String newTraceId() {
        return HexFormat.of().formatHex(randomBytes(16));
    }

    private static String makeCall(String traceId) {
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
