package dev.voiceagent.testkit.twilio;

import io.netty.handler.codec.http.HttpHeaderNames;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/** Makes Twilio's signed webhook requests (form POST, or GET with the parameters in the query). */
final class WebhookClient {

    /** The outcome of one webhook request; status 0 when no response arrived. */
    record Result(int status, String body, String error) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    // one deadline, the whole webhook's (as Twilio's): a response timeout of the same length as well raced it, and
    // when the deadline won, the read timeout fired on the cancelled exchange and was dropped as an error
    private final HttpClient http = HttpClient.create();
    private final String authToken;

    WebhookClient(String authToken) {
        this.authToken = authToken;
    }

    /** Sends the request and records it on the call (or message) through {@code record}. */
    Mono<Result> send(String kind, String method, String url, Map<String, String> params,
                      java.util.function.Consumer<Webhook> record) {
        boolean get = "GET".equalsIgnoreCase(method);
        String target = get ? url + (url.contains("?") ? "&" : "?") + encode(params) : url;
        String signature = TwilioSignatures.sign(authToken, target, get ? Map.of() : params);
        return request(get, target, params, signature)
                .timeout(TIMEOUT)
                .onErrorResume(e -> Mono.just(new Result(0, "", e.toString())))
                .doOnNext(result -> record.accept(new Webhook(kind, get ? "GET" : "POST", url, Map.copyOf(params),
                        signature, result.status())));
    }

    private Mono<Result> request(boolean get, String url, Map<String, String> params, String signature) {
        HttpClient signed = http.headers(headers -> headers
                .set("X-Twilio-Signature", signature)
                .set(HttpHeaderNames.USER_AGENT, "TwilioProxy/1.1")
                .set(HttpHeaderNames.CONTENT_TYPE, "application/x-www-form-urlencoded; charset=utf-8"));
        HttpClient.ResponseReceiver<?> receiver = get
                ? signed.get().uri(url)
                : signed.post().uri(url).send(ByteBufFlux.fromString(Mono.just(encode(params))));
        return receiver.responseSingle((response, body) -> body.asString(StandardCharsets.UTF_8)
                .defaultIfEmpty("")
                .map(text -> new Result(response.status().code(), text, null)));
    }

    static String encode(Map<String, String> params) {
        return params.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }
}
