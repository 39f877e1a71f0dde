package dev.voiceagent.gateway.proxy;

import dev.voiceagent.support.Problems;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Serves other services' public routes at the gateway's base URL: method, path, query, headers and body are
 * streamed to the upstream and its answer streamed back. An unreachable upstream is a 502 problem, a slow one 504.
 */
public class PublicRouteProxy {

    private static final Logger log = LoggerFactory.getLogger(PublicRouteProxy.class);
    /** Hop-by-hop headers (RFC 9110 §7.6.1) and Host are never forwarded. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length");

    private final WebClient client;
    private final Duration timeout;

    public PublicRouteProxy(WebClient client, Duration timeout) {
        this.client = client;
        this.timeout = timeout;
    }

    /** A handler that forwards to {@code upstream} (scheme, host, port; the request path is kept). */
    public Mono<ServerResponse> forward(URI upstream, ServerRequest request) {
        URI target = target(upstream, request.uri());
        Flux<DataBuffer> body = request.body(BodyExtractors.toDataBuffers());
        return client.method(request.method())
                .uri(target)
                .headers(headers -> copy(request.headers().asHttpHeaders(), headers))
                .body(BodyInserters.fromDataBuffers(body))
                .retrieve()
                .onStatus(status -> true, response -> Mono.empty())
                .toEntityFlux(DataBuffer.class)
                .timeout(timeout)
                .flatMap(PublicRouteProxy::respond)
                .onErrorMap(e -> upstreamProblem(target, e));
    }

    static URI target(URI upstream, URI request) {
        String base = upstream.toString().endsWith("/") ? upstream.toString().substring(0, upstream.toString().length() - 1)
                : upstream.toString();
        String query = request.getRawQuery() == null ? "" : "?" + request.getRawQuery();
        return URI.create(base + request.getRawPath() + query);
    }

    private static Mono<ServerResponse> respond(ResponseEntity<Flux<DataBuffer>> upstream) {
        Flux<DataBuffer> body = upstream.getBody() == null ? Flux.empty() : upstream.getBody();
        return ServerResponse.status(upstream.getStatusCode())
                .headers(headers -> copy(upstream.getHeaders(), headers))
                .body(BodyInserters.fromDataBuffers(body));
    }

    private static void copy(HttpHeaders from, HttpHeaders to) {
        from.forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                to.addAll(name, values);
            }
        });
    }

    private static Throwable upstreamProblem(URI target, Throwable e) {
        if (e instanceof TimeoutException) {
            log.warn("upstream {} timed out", target.getHost());
            return Problems.of(HttpStatus.GATEWAY_TIMEOUT, "Upstream timeout", "The upstream service did not answer in time.");
        }
        if (e instanceof WebClientRequestException) {
            log.warn("upstream {}:{} unreachable: {}", target.getHost(), target.getPort(), e.getMessage());
            return Problems.of(HttpStatus.BAD_GATEWAY, "Upstream unavailable", "The upstream service is unavailable.");
        }
        return e;
    }
}
