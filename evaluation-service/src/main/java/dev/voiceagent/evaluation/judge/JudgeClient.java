package dev.voiceagent.evaluation.judge;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.evaluation.rubric.SessionEvidence;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Asks an OpenAI-compatible chat completions endpoint to judge a session (JSON answer {@code score, passed,
 * rationale}), inside a timeout and the {@code evaluation-judge} circuit breaker. Every failure becomes an
 * {@code unavailable} verdict: the judge never fails or delays the rule-based evaluation beyond its timeout.
 */
@Component
public class JudgeClient {

    private static final Logger log = LoggerFactory.getLogger(JudgeClient.class);
    static final String BREAKER = "evaluation-judge";
    private static final String INSTRUCTIONS = "You grade a phone conversation between a caller and a voice agent. "
            + "Judge whether the agent understood the caller, followed policy, was accurate and polite, and ended "
            + "the call appropriately. Answer only with a JSON object: {\"score\": number 0..1, \"passed\": boolean, "
            + "\"rationale\": string of at most 300 characters}.";

    private final WebClient web;
    private final JudgeProperties properties;
    private final CircuitBreaker breaker;

    public JudgeClient(WebClient.Builder builder, JudgeProperties properties, CircuitBreakerRegistry breakers) {
        this.web = builder.build();
        this.properties = properties;
        this.breaker = breakers.circuitBreaker(BREAKER);
    }

    public boolean enabled() {
        return properties.enabled();
    }

    /** The judge's verdict, or an {@code unavailable} one (timeout, error, open breaker, unreadable answer). */
    public Mono<JudgeVerdict> judge(SessionEvidence evidence) {
        return web.post().uri(URI.create(properties.url()))
                .headers(h -> h.setBearerAuth(properties.apiKey()))
                .bodyValue(request(evidence))
                .retrieve()
                .bodyToMono(JsonNode.class)
                .timeout(properties.timeout())
                .map(this::verdict)
                .transformDeferred(CircuitBreakerOperator.of(breaker))
                .onErrorResume(e -> Mono.just(JudgeVerdict.unavailable(properties.model(), reason(e))));
    }

    Map<String, Object> request(SessionEvidence evidence) {
        String transcript = evidence.turns().stream().map(t -> t.role() + ": " + t.text())
                .collect(Collectors.joining("\n"));
        String facts = "Outcome: " + evidence.outcome().outcome().wire() + "; intent: " + evidence.outcome().intent()
                + "; escalation reason: " + evidence.outcome().escalationReason() + "; summary: "
                + evidence.outcome().summary();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", properties.model());
        body.put("temperature", 0);
        body.put("response_format", Map.of("type", "json_object"));
        body.put("messages", List.of(Map.of("role", "system", "content", INSTRUCTIONS),
                Map.of("role", "user", "content", facts + "\n\nTranscript:\n" + transcript)));
        return body;
    }

    private JudgeVerdict verdict(JsonNode response) {
        String content = response.path("choices").path(0).path("message").path("content").asString("");
        JsonNode answer = EventCodec.mapper().readTree(content);
        if (!answer.path("score").isNumber() || !answer.path("passed").isBoolean()) {
            throw new IllegalStateException("the judge's answer has no score or verdict");
        }
        double score = Math.max(0.0, Math.min(1.0, answer.path("score").asDouble()));
        String rationale = answer.path("rationale").asString("");
        return JudgeVerdict.judged(properties.model(), Math.round(score * 10_000) / 10_000.0,
                answer.path("passed").asBoolean(), rationale.length() > 500 ? rationale.substring(0, 500) : rationale);
    }

    private static String reason(Throwable e) {
        String reason;
        if (e instanceof CallNotPermittedException) {
            reason = "circuit open";
        } else if (e instanceof TimeoutException) {
            reason = "timeout";
        } else if (e instanceof WebClientResponseException w) {
            reason = "http " + w.getStatusCode().value();
        } else {
            reason = e.getClass().getSimpleName();
        }
        log.warn("model judge unavailable: {}", reason);
        return reason;
    }
}
