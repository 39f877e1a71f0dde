package dev.voiceagent.evaluation.judge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.evaluation.rubric.SessionEvidence;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.test.StepVerifier;

/** The model judge against a small stand-in chat completions server. */
class JudgeClientTest {

    HttpServer server;
    final AtomicInteger status = new AtomicInteger(200);
    final AtomicReference<String> answer = new AtomicReference<>();
    final AtomicReference<String> seenAuth = new AtomicReference<>();
    final AtomicInteger delayMs = new AtomicInteger();
    final AtomicInteger hits = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", exchange -> {
            hits.incrementAndGet();
            seenAuth.set(exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.getRequestBody().readAllBytes();
            try {
                Thread.sleep(delayMs.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = answer.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status.get(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        answer.set(completion("{\\\"score\\\": 0.8, \\\"passed\\\": true, \\\"rationale\\\": \\\"polite and correct\\\"}"));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    static String completion(String content) {
        return "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"" + content + "\"}}]}";
    }

    JudgeClient client(Duration timeout, CircuitBreakerRegistry breakers) {
        return new JudgeClient(WebClient.builder(), new JudgeProperties("sk-test",
                "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/chat/completions", "judge-model", timeout),
                breakers);
    }

    static SessionEvidence evidence() {
        Instant start = Instant.parse("2030-01-01T10:00:00Z");
        return new SessionEvidence(new SessionOutcome(Outcome.RESOLVED, "balance", "v1", "+15555550100", start,
                start.plusSeconds(30), 30_000, 700L, 1, 1, 0, List.of(), null, "balance given"),
                List.of(new SessionEvidence.Turn("caller", "balance?", 0, 0),
                        new SessionEvidence.Turn("agent", "42.50", 1, 900)), List.of());
    }

    @Test
    void aJudgedSessionCarriesTheModelsScoreAndRationale() {
        StepVerifier.create(client(Duration.ofSeconds(5), CircuitBreakerRegistry.ofDefaults()).judge(evidence()))
                .assertNext(v -> {
                    assertThat(v.status()).isEqualTo(JudgeVerdict.JUDGED);
                    assertThat(v.score()).isEqualTo(0.8);
                    assertThat(v.passed()).isTrue();
                    assertThat(v.rationale()).isEqualTo("polite and correct");
                    assertThat(v.model()).isEqualTo("judge-model");
                }).verifyComplete();
        assertThat(seenAuth.get()).isEqualTo("Bearer sk-test");
    }

    @Test
    void aSlowJudgeTimesOutIntoAnUnavailableVerdict() {
        delayMs.set(1500);
        StepVerifier.create(client(Duration.ofMillis(200), CircuitBreakerRegistry.ofDefaults()).judge(evidence()))
                .assertNext(v -> {
                    assertThat(v.status()).isEqualTo(JudgeVerdict.UNAVAILABLE);
                    assertThat(v.rationale()).isEqualTo("timeout");
                    assertThat(v.score()).isNull();
                }).verifyComplete();
    }

    @Test
    void anUnreadableAnswerIsUnavailable() {
        answer.set(completion("not json at all"));
        StepVerifier.create(client(Duration.ofSeconds(5), CircuitBreakerRegistry.ofDefaults()).judge(evidence()))
                .assertNext(v -> assertThat(v.status()).isEqualTo(JudgeVerdict.UNAVAILABLE)).verifyComplete();
    }

    @Test
    void repeatedFailuresOpenTheBreakerAndTheFallbackStopsCallingTheJudge() {
        status.set(500);
        answer.set("{}");
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowSize(2).minimumNumberOfCalls(2).failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofMinutes(1)).build());
        JudgeClient judge = client(Duration.ofSeconds(5), breakers);
        for (int i = 0; i < 2; i++) {
            StepVerifier.create(judge.judge(evidence()))
                    .assertNext(v -> assertThat(v.rationale()).isEqualTo("http 500")).verifyComplete();
        }
        StepVerifier.create(judge.judge(evidence()))
                .assertNext(v -> {
                    assertThat(v.status()).isEqualTo(JudgeVerdict.UNAVAILABLE);
                    assertThat(v.rationale()).isEqualTo("circuit open");
                }).verifyComplete();
        assertThat(hits.get()).isEqualTo(2);
    }

    @Test
    void withoutAKeyTheJudgeIsOff() {
        assertThat(new JudgeProperties(null, "http://x", "m", Duration.ofSeconds(1)).enabled()).isFalse();
        assertThat(new JudgeProperties("sk-secret", "http://x", "m", Duration.ofSeconds(1)).toString())
                .doesNotContain("sk-secret");
    }
}
