package dev.voiceagent.gateway.support;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.http.MediaType;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Gives a problem body to the one 4xx the application never sees: a request URI that cannot be parsed (a query
 * such as {@code ?limit=%}) is answered 400 by Spring's Reactor Netty adapter before any handler, filter or
 * exception handler runs, with no body at all. Every response a handler produced has sent its headers by the time
 * the exchange ends, so a 400 that has not is that refusal.
 */
public class MalformedUriProblems implements NettyServerCustomizer {

    static final String BODY = "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,"
            + "\"detail\":\"The request URI could not be parsed.\"}";

    @Override
    public HttpServer apply(HttpServer server) {
        return server.mapHandle((handling, connection) -> handling.then(Mono.defer(() -> {
            if (connection instanceof HttpServerResponse response && !response.hasSentHeaders()
                    && HttpResponseStatus.BAD_REQUEST.equals(response.status())) {
                return response.header(HttpHeaderNames.CONTENT_TYPE, MediaType.APPLICATION_PROBLEM_JSON_VALUE)
                        .sendString(Mono.just(BODY)).then();
            }
            return Mono.empty();
        })));
    }
}
