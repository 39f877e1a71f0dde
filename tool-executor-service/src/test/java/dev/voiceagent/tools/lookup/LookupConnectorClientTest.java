package dev.voiceagent.tools.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.tools.lookup.LookupConnectorRepository.Connector;
import dev.voiceagent.tools.lookup.LookupKey.Kind;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.test.StepVerifier;

/**
 * The connector's query against a real HTTP backend that decodes it the way tenants' backends do (form rules: a raw
 * {@code +} is a space, a raw {@code &} or {@code =} splits the query), so a key must arrive exactly as it was given.
 */
class LookupConnectorClientTest {

    private final List<String> rawQueries = new CopyOnWriteArrayList<>();
    private DisposableServer backend;
    private LookupConnectorClient client;

    @BeforeEach
    void backend() {
        // the backend knows one account per key and answers 404 for anything else, as a tenant's backend would
        backend = HttpServer.create().port(0)
                .route(routes -> routes.get("/accounts", (req, res) -> {
                    rawQueries.add(req.uri());
                    Map<String, List<String>> params = new QueryStringDecoder(req.uri()).parameters();
                    String key = params.values().stream().flatMap(List::stream).findFirst().orElse("");
                    return params.size() != 1 ? res.status(400).send()
                            : res.header("content-type", "application/json").sendString(Mono.just(
                                    "{\"account_number\":\"" + key.replace("\"", "\\\"")
                                            + "\",\"caller_number\":\"+15555557001\",\"name\":\"Backend Name\"}"));
                }))
                .bindNow();
        client = new LookupConnectorClient(WebClient.builder(), new LookupConnectorProperties(Duration.ofSeconds(2)),
                new StaticListableBeanFactory().getBeanProvider(CircuitBreakerRegistry.class));
    }

    @AfterEach
    void stop() {
        backend.disposeNow();
    }

    @ParameterizedTest
    @ValueSource(strings = {"+15555557001", "A&B=C 1+2", "100%", "ü/?#"})
    void theBackendReceivesTheKeyExactlyAsGivenWhateverCharactersItHolds(String value) {
        Connector connector = new Connector("http://localhost:" + backend.port() + "/accounts", null);

        StepVerifier.create(client.find("t1", connector, new LookupKey(Kind.ACCOUNT_NUMBER, value)))
                .assertNext(account -> assertThat(account.accountNumber()).isEqualTo(value))
                .verifyComplete();
    }

    @Test
    void aCallerNumberGoesOutWithItsPlusEncodedSoTheBackendDoesNotReadASpace() {
        Connector connector = new Connector("http://localhost:" + backend.port() + "/accounts", null);

        StepVerifier.create(client.find("t1", connector, new LookupKey(Kind.CALLER_NUMBER, "+15555557001")))
                .assertNext(account -> assertThat(account.accountNumber()).isEqualTo("+15555557001"))
                .verifyComplete();
        assertThat(rawQueries).containsExactly("/accounts?caller_number=%2B15555557001");
    }
}
