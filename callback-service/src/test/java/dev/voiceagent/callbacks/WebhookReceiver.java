package dev.voiceagent.callbacks;

import com.sun.net.httpserver.HttpServer;
import dev.voiceagent.callbacks.webhook.WebhookSigner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToIntFunction;

/** A tenant's webhook endpoint for tests: records every request and answers the status the test chooses. */
final class WebhookReceiver implements AutoCloseable {

    /** One request as received. */
    record Hook(String path, String eventId, String eventType, String signature, String body) {
    }

    private final HttpServer server;
    private final List<Hook> hooks = new CopyOnWriteArrayList<>();

    /** Answers each request with {@code status.applyAsInt(hook)}. */
    WebhookReceiver(ToIntFunction<Hook> status) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            var headers = exchange.getRequestHeaders();
            Hook hook = new Hook(exchange.getRequestURI().getPath(), headers.getFirst(WebhookSigner.EVENT_ID_HEADER),
                    headers.getFirst(WebhookSigner.EVENT_TYPE_HEADER), headers.getFirst(WebhookSigner.SIGNATURE_HEADER),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            hooks.add(hook);
            exchange.sendResponseHeaders(status.applyAsInt(hook), -1);
            exchange.close();
        });
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    List<Hook> hooks() {
        return List.copyOf(hooks);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
