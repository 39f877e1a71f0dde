package dev.voiceagent.tools.lookup;

import dev.voiceagent.tools.lookup.LookupConnectorRepository.Connector;
import dev.voiceagent.tools.support.JsonMaps;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.netty.channel.ChannelOption;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.util.UriComponentsBuilder;
import org.springframework.web.util.UriUtils;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.util.retry.Retry;

/**
 * Asks a tenant's own backend for an account: {@code GET <url>?account_number=…} (or {@code order_number},
 * {@code caller_number}) with the configured {@code Authorization} header; 200 with
 * {@code {account_number, caller_number, name, balance, currency, status, order?}} is a match, 404 is "none".
 * A timeout and a circuit breaker per tenant guard it; the caller falls back to the Postgres store on any error.
 * A GET changes nothing, so one retry after a failed connection is safe.
 */
@Component
public class LookupConnectorClient {

    private final WebClient web;
    private final CircuitBreakerRegistry breakers;
    private final CircuitBreakerConfig breakerConfig;
    private final Duration timeout;

    public LookupConnectorClient(WebClient.Builder builder, LookupConnectorProperties properties,
                                 ObjectProvider<CircuitBreakerRegistry> registry) {
        this.timeout = properties.timeout();
        // one deadline for the whole lookup (the timeout below, retry included): a response timeout of the same
        // length raced it, and when the deadline won, the read timeout fired on the cancelled exchange and Reactor
        // logged it as a dropped error
        HttpClient http = HttpClient.create()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis());
        this.web = builder.clone().clientConnector(new ReactorClientHttpConnector(http)).build();
        this.breakers = registry.getIfAvailable(CircuitBreakerRegistry::ofDefaults);
        this.breakerConfig = CircuitBreakerConfig.custom()
                .slidingWindowSize(20)
                .minimumNumberOfCalls(5)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(30))
                .build();
    }

    /** The matching account (empty when the backend has none); errors when the backend fails or the breaker is open. */
    public Mono<Account> find(String tenantId, Connector connector, LookupKey key) {
        return web.get().uri(uri(connector, key))
                .accept(MediaType.APPLICATION_JSON)
                .headers(headers -> {
                    if (connector.authHeader() != null) {
                        headers.set(HttpHeaders.AUTHORIZATION, connector.authHeader());
                    }
                })
                .exchangeToMono(response -> response.statusCode().value() == HttpStatus.NOT_FOUND.value()
                        ? response.releaseBody().then(Mono.<String>empty())
                        : response.statusCode().is2xxSuccessful() ? response.bodyToMono(String.class)
                        : response.createError())
                .retryWhen(Retry.max(1).filter(WebClientRequestException.class::isInstance))
                .timeout(timeout)
                .map(LookupConnectorClient::toAccount)
                .transformDeferred(CircuitBreakerOperator.of(
                        breakers.circuitBreaker("lookup-connector-" + tenantId, breakerConfig)));
    }

    /**
     * The backend's URL with the key as its one query parameter. The value is encoded strictly (everything but
     * unreserved characters): a query may legally hold a raw {@code +}, {@code &} or {@code =}, so encoding only
     * what is illegal sent {@code caller_number=+1555…}, which backends decode by form rules as a space — and
     * caller-number lookups, the default key, missed. The stored URL is already a valid URI (checked when it was
     * set) and is kept as it is, so nothing in it is encoded twice.
     */
    static URI uri(Connector connector, LookupKey key) {
        String value = UriUtils.encode(key.value(), StandardCharsets.UTF_8);
        return UriComponentsBuilder.fromUri(URI.create(connector.url()))
                .queryParam(key.kind().name().toLowerCase(Locale.ROOT), value)
                .build(true).toUri();
    }

    static Account toAccount(String json) {
        Map<String, Object> body = JsonMaps.read(json);
        Object number = body.get("account_number");
        Object name = body.get("name");
        if (number == null || name == null) {
            throw new IllegalArgumentException("connector answer lacks account_number or name");
        }
        Object balance = body.get("balance");
        Object currency = body.get("currency");
        Object order = body.get("order");
        return new Account(String.valueOf(number), text(body.get("caller_number")), String.valueOf(name),
                balance == null ? BigDecimal.ZERO : new BigDecimal(String.valueOf(balance)),
                currency == null ? "USD" : String.valueOf(currency).toUpperCase(Locale.ROOT),
                body.get("status") == null ? "active" : String.valueOf(body.get("status")),
                order instanceof Map<?, ?> map ? List.of(castMap(map)) : null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }

    private static String text(Object value) {
        return value == null ? null : String.valueOf(value);
    }
}
