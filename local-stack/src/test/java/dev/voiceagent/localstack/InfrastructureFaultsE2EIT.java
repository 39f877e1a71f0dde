package dev.voiceagent.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.EventType;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.gateway.outbox.OutboxRelay;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Infrastructure faults during whole calls, on a stack of its own (its own broker and database, so stopping them
 * cannot disturb another test class): the broker down for 10 s under concurrent calls, each consumer service
 * stopped and started again mid-stream, the database down for 10 s, and a crash between a database commit and
 * the event announcing it. Each run is counted end to end by {@link CallLedger}: nothing lost, nothing
 * duplicated in effect. The counts of every fault are printed as one table at the end.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InfrastructureFaultsE2EIT {

    static final Duration OUTAGE = Duration.ofSeconds(10);

    private static FaultDrill drill;
    private static LocalStack stack;
    private static TopicRecorder topics;

    @BeforeAll
    static void startStack() {
        // an outage makes every Kafka client in the JVM log each failed reconnect; at that volume the console
        // (piped to the build) becomes the bottleneck every logging thread waits on
        drill = new FaultDrill(LocalStack.start(LocalStackOptions.forTests(), Map.of(
                "logging.level.org.apache.kafka", "ERROR",
                "logging.level.kafka", "WARN",
                "logging.level.state.change.logger", "WARN",
                "logging.level.io.r2dbc", "ERROR")));
        stack = drill.stack;
        topics = drill.topics;
    }

    @AfterAll
    static void stopStack() {
        if (drill != null) {
            drill.close();
        }
    }

    @Test
    @Order(1)
    void brokerDownForTenSecondsDuringConcurrentCallsLosesAndDuplicatesNothing() throws Exception {
        List<String> calls = drill.placeCalls(8);
        Thread.sleep(1500);
        long stoppedAt = System.nanoTime();
        stack.stopKafka();
        FaultDrill.sleepUntil(stoppedAt, OUTAGE);
        stack.startKafka();

        CallLedger.Tally tally = drill.settle(calls);
        drill.record("Kafka broker down 10 s, 8 concurrent calls", 1, calls.size(), tally);
        assertThat(tally.problems()).as(tally.report("broker outage")).isEmpty();
        assertThat(tally.lost()).isZero();
        assertThat(tally.duplicated()).isZero();
    }

    @Test
    @Order(2)
    void consumersStoppedAndStartedMidStreamResumeWithoutDoubleEffects() throws Exception {
        List<String> calls = drill.placeCalls(6);
        List<String> consumers = List.of("tool-executor-service", "evaluation-service", "callback-service");
        for (String consumer : consumers) {
            Thread.sleep(700);
            stack.stopService(consumer);
        }
        Thread.sleep(3000);
        consumers.forEach(stack::startService);

        CallLedger.Tally tally = drill.settle(calls);
        drill.record("consumer restart (tools, evaluation, callback)", consumers.size(), calls.size(), tally);
        assertThat(tally.problems()).as(tally.report("consumer restarts")).isEmpty();
        assertThat(tally.lost()).isZero();
        assertThat(tally.duplicated()).isZero();
    }

    @Test
    @Order(3)
    void databaseDownForTenSecondsKeepsCallsTalkingAndWritesLandAfterwards() throws Exception {
        List<String> calls = drill.placeCalls(3);
        Thread.sleep(1500);
        long stoppedAt = System.nanoTime();
        stack.stopDatabase();
        List<String> services = List.of("gateway-service", "media-bridge-service", "tool-executor-service",
                "evaluation-service", "callback-service", "config-service");
        for (String service : services) {
            await().atMost(OUTAGE).pollInterval(Duration.ofMillis(200))
                    .until(() -> drill.readiness(service) == 503);
        }
        FaultDrill.sleepUntil(stoppedAt, OUTAGE);
        stack.startDatabase();
        for (String service : services) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> drill.readiness(service) == 200);
        }

        CallLedger.Tally tally = drill.settle(calls);
        drill.record("PostgreSQL down 10 s, 3 calls in progress", 1, calls.size(), tally);
        assertThat(tally.problems()).as(tally.report("database outage")).isEmpty();
        assertThat(tally.lost()).isZero();
        assertThat(tally.duplicated()).isZero();
    }

    @Test
    @Order(4)
    void gatewayCrashAfterCommitBeforeSendPublishesEachCallEventOnceAfterRestart() throws Exception {
        stack.context("gateway-service").orElseThrow().getBean(OutboxRelay.class).stop();
        List<String> calls = drill.placeCalls(1);
        String callSid = calls.get(0);
        await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(500))
                .until(() -> "completed".equals(scalar("SELECT status FROM gateway.call_logs WHERE call_sid = ?", callSid)));
        long pending = count("SELECT count(*) FROM gateway.outbox_events WHERE event_key = ? AND published_at IS NULL",
                callSid);
        assertThat(pending).as("call events committed but not sent").isGreaterThan(1);
        assertThat(eventIds(topics.poll(), EventType.CALL_CREATED, callSid)).as("nothing sent before the crash").isEmpty();

        stack.stopService("gateway-service");
        stack.startService("gateway-service");

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> count("SELECT count(*) FROM gateway.outbox_events WHERE event_key = ? AND published_at IS NULL",
                        callSid) == 0);
        long rows = count("SELECT count(*) FROM gateway.outbox_events WHERE event_key = ?", callSid);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> callEvents(callSid).stream().map(s -> s.envelope().id()).distinct().count() >= rows);
        Thread.sleep(2000);
        List<TopicRecorder.Seen> seen = callEvents(callSid);
        long distinct = seen.stream().map(s -> s.envelope().id()).distinct().count();
        drill.row(String.format("crash between DB commit and send (gateway outbox) | 1 | %d events in | %d | %d | %d",
                rows, distinct, rows - distinct, seen.size() - distinct));
        assertThat(distinct).as("every committed call event published").isEqualTo(rows);
        assertThat(seen).as("each exactly once").hasSize((int) rows);
    }

    @Test
    @Order(5)
    void toolExecutorCrashBetweenStoreAndSendResendsTheStoredResultOnce() throws Exception {
        String callSid = "CA" + UUID.randomUUID().toString().replace("-", "");
        String toolCallId = "call_" + UUID.randomUUID();
        String storedEventId = UUID.randomUUID().toString();
        // the state a crash after storing the result and before sending it leaves behind
        execute("INSERT INTO tools.tool_calls (tenant_id, tool_call_id, call_sid, tool, status, output, latency_ms, "
                + "event_id) VALUES ('demo', ?, ?, 'callback', 'ok', '{\"callback_id\":\"cb-fault\"}'::jsonb, 5, ?)",
                toolCallId, callSid, storedEventId);
        ToolRequested request = new ToolRequested(toolCallId, "callback", Map.of("reason", "fault drill"),
                null, null, "+15555550100", Topics.toolReplies("fault-drill"));
        EventEnvelope<ToolRequested> envelope = EventEnvelope.of("media-bridge-service", "demo", callSid, request);
        send(Topics.TOOL_REQUESTS, envelope);
        send(Topics.TOOL_REQUESTS, envelope);

        List<TopicRecorder.Seen> results = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> topics.forCall(callSid).stream().filter(s -> s.topic().equals(Topics.TOOL_RESULTS)).toList(),
                        seen -> seen.size() >= 2);
        Thread.sleep(2000);
        List<TopicRecorder.Seen> all = topics.forCall(callSid);
        long completions = all.stream().filter(s -> s.topic().equals(Topics.TOOL_RESULTS)).count();
        long distinct = all.stream().filter(s -> s.topic().equals(Topics.TOOL_RESULTS)).map(s -> s.envelope().id())
                .distinct().count();
        long callbacks = all.stream().filter(s -> s.envelope().type() == EventType.CALLBACK_REQUESTED).count();
        drill.row(String.format("crash between store and send (tool executor), request delivered twice | 1 | 1 stored "
                + "result | %d | %d | %d", distinct, 1 - Math.min(1, distinct), Math.max(0, distinct - 1) + callbacks));
        assertThat(results).allMatch(s -> s.envelope().id().equals(storedEventId));
        assertThat(distinct).as("one completion, under the stored event id").isEqualTo(1);
        assertThat(completions).as("the stored result resent on each delivery (absorbed by its id)").isEqualTo(2);
        assertThat(callbacks).as("the tool did not run again").isZero();
        assertThat(count("SELECT count(*) FROM tools.tool_calls WHERE tool_call_id = ?", toolCallId)).isEqualTo(1);
    }

    @Test
    @Order(6)
    void evaluationCrashBetweenPublishAndMarkRepublishesUnderTheSameIdAndOpensNoSecondTask() throws Exception {
        String callSid = drill.placeCalls(1).get(0);
        TopicRecorder.Seen outcome = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> topics.forCall(callSid).stream().filter(s -> s.topic().equals(Topics.OUTCOMES)).findFirst(),
                        java.util.Optional::isPresent).orElseThrow();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() ->
                count("SELECT count(*) FROM evaluation.evaluations WHERE call_sid = ? AND published_at IS NOT NULL",
                        callSid) == 1 && !eventIds(topics.poll(), EventType.EVALUATION_COMPLETED, callSid).isEmpty());
        Thread.sleep(2000);
        CallLedger.Tally before = CallLedger.count(topics.poll(), stack.database(), List.of(callSid));
        // the state a crash after sending the evaluation and before marking it sent leaves behind
        execute("UPDATE evaluation.evaluations SET published_at = NULL WHERE call_sid = ?", callSid);
        send(Topics.OUTCOMES, outcome.envelope());

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() ->
                count("SELECT count(*) FROM evaluation.evaluations WHERE call_sid = ? AND published_at IS NOT NULL",
                        callSid) == 1 && eventIds(topics.poll(), EventType.EVALUATION_COMPLETED, callSid).size() >= 2);
        Thread.sleep(2000);
        List<TopicRecorder.Seen> seen = topics.poll();
        List<String> evaluationEvents = eventIds(seen, EventType.EVALUATION_COMPLETED, callSid);
        CallLedger.Tally after = CallLedger.count(seen, stack.database(), List.of(callSid));
        drill.row(String.format("crash between publish and mark (evaluation), outcome redelivered | 1 | 1 call, %d in "
                + "| %d | %d | %d", after.in(), after.out(), after.lost(), after.duplicated()));
        assertThat(evaluationEvents).as("republished under the same id").hasSize(2);
        assertThat(Set.copyOf(evaluationEvents)).hasSize(1);
        assertThat(after.problems()).as(after.report("redelivered outcome")).isEmpty();
        assertThat(after.duplicated()).isZero();
        assertThat(after.out()).isEqualTo(before.out());
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private static List<TopicRecorder.Seen> callEvents(String callSid) {
        return topics.forCall(callSid).stream().filter(s -> s.topic().equals(Topics.CALL_EVENTS)).toList();
    }

    private static void send(String topic, EventEnvelope<?> envelope) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            producer.send(new ProducerRecord<>(topic, envelope.key(), EventCodec.encode(envelope)))
                    .get(10, TimeUnit.SECONDS);
        }
    }

    private static Connection connect() throws SQLException {
        var db = stack.database();
        return DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
    }

    private static void execute(String sql, Object... args) throws SQLException {
        try (Connection c = connect(); PreparedStatement q = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                q.setObject(i + 1, args[i]);
            }
            q.executeUpdate();
        }
    }

    private static long count(String sql, Object... args) throws SQLException {
        Object value = scalar(sql, args);
        return value == null ? 0 : ((Number) value).longValue();
    }

    private static Object scalar(String sql, Object... args) throws SQLException {
        try (Connection c = connect(); PreparedStatement q = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                q.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getObject(1) : null;
            }
        }
    }

    static List<String> eventIds(List<TopicRecorder.Seen> seen, EventType type, String callSid) {
        List<String> ids = new ArrayList<>();
        seen.stream().filter(s -> s.envelope().type() == type && callSid.equals(s.envelope().callSid()))
                .forEach(s -> ids.add(s.envelope().id()));
        return ids;
    }
}
