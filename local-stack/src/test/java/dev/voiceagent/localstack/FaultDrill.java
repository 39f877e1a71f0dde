package dev.voiceagent.localstack;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * What the fault-drill test classes share: a stack, a recorder on its topics, calls placed through the gateway,
 * settling a set of calls with {@link CallLedger} and the table of counts each class prints (and appends to
 * {@code target/faults-table.md}) at the end.
 */
final class FaultDrill implements AutoCloseable {

    static final Duration SETTLE = Duration.ofSeconds(120);

    final LocalStack stack;
    final TopicRecorder topics;
    final WebTestClient gateway;
    private final List<String> table = new CopyOnWriteArrayList<>();

    FaultDrill(LocalStack stack) {
        this.stack = stack;
        this.topics = new TopicRecorder(stack.kafkaBootstrapServers());
        this.gateway = client(stack.gatewayUrl());
    }

    /** Places {@code n} calls concurrently through the gateway's make-call; returns their call SIDs. */
    List<String> placeCalls(int n) {
        return Flux.range(0, n)
                .flatMap(i -> Flux.defer(() -> Flux.just(makeCall(gateway, stack)))
                        .subscribeOn(Schedulers.boundedElastic()))
                .collectList()
                .block(Duration.ofSeconds(60));
    }

    /** One make-call for the demo tenant's caller through {@code gateway}; answers the call SID. */
    static String makeCall(WebTestClient gateway, LocalStack stack) {
        Map<String, Object> created = gateway.post().uri("/api/v1/make-call")
                .header("x-api-key", stack.options().tenantApiKey())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"to\":\"+15555550100\"}")
                .exchange()
                .expectStatus().is2xxSuccessful()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult()
                .getResponseBody();
        return (String) created.get("call_sid");
    }

    /** Waits until nothing is missing (or {@link #SETTLE} passes), then a little longer to catch late duplicates. */
    CallLedger.Tally settle(List<String> calls) throws InterruptedException {
        try {
            await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1))
                    .until(() -> CallLedger.count(topics.poll(), stack.database(), calls).lost() == 0);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // counted and reported by the caller; here, the state of every listener in this JVM
            RunningContexts.all().forEach(context -> context.getBeansOfType(
                    org.springframework.kafka.config.KafkaListenerEndpointRegistry.class).values()
                    .forEach(registry -> registry.getListenerContainers().forEach(container -> System.out.println(
                            "listener " + context.getId() + " " + container.getListenerId() + " running "
                                    + container.isRunning()))));
            Thread.getAllStackTraces().forEach((thread, trace) -> {
                if (thread.getName().startsWith("parallel") || thread.getName().startsWith("boundedElastic")) {
                    System.out.println("thread " + thread.getName() + " " + thread.getState() + " "
                            + java.util.Arrays.stream(trace).limit(25).map(String::valueOf)
                                    .collect(java.util.stream.Collectors.joining("\n    ", "\n    ", "")));
                }
            });
        }
        Thread.sleep(3000);
        return CallLedger.count(topics.poll(), stack.database(), calls);
    }

    /** One row of the table: a fault, how many cases, and the tally of the calls it ran over. */
    void record(String fault, int cases, int calls, CallLedger.Tally tally) {
        System.out.println(tally.report(fault));
        row(String.format("%s | %d | %d calls, %d in | %d | %d | %d", fault, cases, calls, tally.in(),
                tally.out(), tally.lost(), tally.duplicated()));
    }

    /** A row counted some other way (events rather than calls). */
    void row(String row) {
        table.add(row);
    }

    int readiness(String service) {
        try {
            return client(stack.url(service)).get().uri("/health/ready").exchange()
                    .returnResult(String.class).getStatus().value();
        } catch (RuntimeException unreachable) {
            return -1;
        }
    }

    static WebTestClient client(String baseUrl) {
        return WebTestClient.bindToServer().baseUrl(baseUrl).responseTimeout(Duration.ofSeconds(15)).build();
    }

    static void sleepUntil(long startedNanos, Duration length) throws InterruptedException {
        long left = length.toNanos() - (System.nanoTime() - startedNanos);
        if (left > 0) {
            Thread.sleep(left / 1_000_000);
        }
    }

    /** Prints the table and appends it to {@code target/faults-table.md} (a rerun replaces captured output). */
    @Override
    public void close() {
        String header = "fault | cases tried | calls/events in | out | lost | duplicated\n---|---|---|---|---|---";
        System.out.println("\n" + header);
        table.forEach(System.out::println);
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of("target", "faults-table.md"),
                    "\n" + java.time.Instant.now() + "\n" + header + "\n" + String.join("\n", table) + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            System.out.println("could not write target/faults-table.md: " + e);
        }
        topics.close();
        stack.close();
    }
}
