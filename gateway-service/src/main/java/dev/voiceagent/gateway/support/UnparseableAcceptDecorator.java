package dev.voiceagent.gateway.support;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * Treats an {@code Accept} header that cannot be parsed as absent (RFC 9110 lets a server ignore it). Left in
 * place it broke every error answer of the request: the error handlers that negotiate their body failed on it and
 * the client got a bare status with no problem body. Applied around the whole HTTP handler, before anything reads
 * the header.
 */
public class UnparseableAcceptDecorator implements HttpHandlerDecoratorFactory {

    @Override
    public HttpHandler apply(HttpHandler handler) {
        return (request, response) -> handler.handle(withoutUnparseableAccept(request), response);
    }

    static ServerHttpRequest withoutUnparseableAccept(ServerHttpRequest request) {
        String accept = String.join(",", request.getHeaders().getOrEmpty(HttpHeaders.ACCEPT));
        if (accept.isEmpty() || parses(accept)) {
            return request;
        }
        return request.mutate().headers(headers -> headers.remove(HttpHeaders.ACCEPT)).build();
    }

    private static boolean parses(String accept) {
        try {
            MediaType.parseMediaTypes(accept);
            return true;
        } catch (IllegalArgumentException e) { // InvalidMediaTypeException among others
            return false;
        }
    }
}
