package dev.voiceagent.evaluation.synthetic;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;

/**
 * Places a synthetic call through the gateway's {@code POST /api/v1/make-call} with the tenant's key and an
 * {@code Idempotency-Key} of run and scenario, so a retried placement never rings twice. Timeout per attempt,
 * two retries on transient failures, the {@code synthetic-gateway} circuit breaker around it all.
 */
@Component
public class GatewayClient {

    static final String BREAKER = "synthetic-gateway";

    private final WebClient web;
    private final Duration timeout;
    private final CircuitBreaker breaker;

    public GatewayClient(WebClient.Builder builder, SyntheticProperties properties, CircuitBreakerRegistry breakers) {
        this.web = builder.baseUrl(properties.gatewayUrl()).build();
        this.timeout = properties.synthetic().timeout();
        this.breaker = breakers.circuitBreaker(BREAKER);
    }

    /** The new call's SID. */
    public Mono<String> makeCall(String apiKey, String idempotencyKey, String to, String agentKey, String versionId) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("to", to);
        body.put("agent_key", agentKey);
        body.put("agent_version_id", versionId);
        return web.post().uri("/api/v1/make-call")
                .header("x-api-key", apiKey)
                .header("Idempotency-Key", idempotencyKey)
                .bodyValue(body)
                .retrieve()
                .bodyToMono(JsonNode.class)
                .timeout(timeout)
                .retryWhen(Retry.backoff(2, Duration.ofMillis(200)).filter(GatewayClient::isTransient))
                .map(GatewayClient::callSid)
                .transformDeferred(CircuitBreakerOperator.of(breaker));
    }

    private static String callSid(JsonNode answer) {
        String sid = answer.path("call_sid").asString(null);
        if (sid == null || sid.isBlank()) {
            throw new IllegalStateException("make-call answered without a call_sid");
        }
        return sid;
    }

    static boolean isTransient(Throwable e) {
        return e instanceof TimeoutException || e instanceof WebClientRequestException
                || (e instanceof WebClientResponseException w && (w.getStatusCode().is5xxServerError()
                        || w.getStatusCode().value() == 409 || w.getStatusCode().value() == 429));
    }

    /** A short reason for a failed placement (no request details: the key must never reach a log or a row). */
    static String reason(Throwable e) {
        return reason("make-call", "gateway", e);
    }

    /** A short reason a remote step ({@code hop}, behind breaker {@code upstream}) failed. */
    static String reason(String hop, String upstream, Throwable e) {
        Throwable cause = e.getCause() != null && reactor.core.Exceptions.isRetryExhausted(e) ? e.getCause() : e;
        if (cause instanceof WebClientResponseException w) {
            return hop + " answered " + w.getStatusCode().value();
        }
        if (cause instanceof TimeoutException) {
            return hop + " timed out";
        }
        if (cause instanceof io.github.resilience4j.circuitbreaker.CallNotPermittedException) {
            return upstream + " circuit open";
        }
        return hop + " failed: " + cause.getClass().getSimpleName();
    }
}
