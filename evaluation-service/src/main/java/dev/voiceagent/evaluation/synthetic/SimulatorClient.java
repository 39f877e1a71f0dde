package dev.voiceagent.evaluation.synthetic;

import dev.voiceagent.contracts.EventCodec;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import java.time.Duration;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;

/**
 * Registers a synthetic call's script with the Twilio simulator's control endpoint
 * ({@code POST {simulator-control-url}/simulator/v1/caller-scripts}) and answers the number to dial so that call
 * plays it. Only used when {@code voice.evaluation.synthetic.simulator-control-url} is set (the local stack); a
 * deployment against real Twilio never calls it. Timeout per attempt, two retries on transient failures (a retry
 * at worst registers an unused script, which expires), breaker {@code synthetic-simulator}.
 */
@Component
public class SimulatorClient {

    static final String BREAKER = "synthetic-simulator";
    static final String SCRIPTS_PATH = "/simulator/v1/caller-scripts";

    private final WebClient web;
    private final Duration timeout;
    private final CircuitBreaker breaker;

    public SimulatorClient(WebClient.Builder builder, SyntheticProperties properties,
                           CircuitBreakerRegistry breakers) {
        String url = properties.synthetic().simulated() ? properties.synthetic().simulatorControlUrl()
                : "http://localhost";
        this.web = builder.baseUrl(url).build();
        this.timeout = properties.synthetic().timeout();
        this.breaker = breakers.circuitBreaker(BREAKER);
    }

    /** The E.164 number a call must dial to play the script. */
    public Mono<String> register(SimulatorScript script) {
        return web.post().uri(SCRIPTS_PATH)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(EventCodec.mapper().writeValueAsString(script))
                .retrieve()
                .bodyToMono(JsonNode.class)
                .timeout(timeout)
                .retryWhen(Retry.backoff(2, Duration.ofMillis(200)).filter(GatewayClient::isTransient))
                .map(SimulatorClient::number)
                .transformDeferred(CircuitBreakerOperator.of(breaker));
    }

    private static String number(JsonNode answer) {
        String to = answer.path("to").asString(null);
        if (to == null || to.isBlank()) {
            throw new IllegalStateException("the simulator answered without a number to dial");
        }
        return to;
    }
}
