package dev.voiceagent.callbacks;

import com.sun.net.httpserver.HttpServer;
import dev.voiceagent.callbacks.webhook.WebhookSigner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * A tenant's webhook endpoint for tests: records every request and answers the status the test chooses, after the
 * delay it chooses (each request on its own thread, so a slow answer holds up no other request); counts how many
 * requests per path were open at once.
 */
final class WebhookReceiver implements AutoCloseable {

    /** One request as received. */
    record Hook(String path, String eventId, String eventType, String signature, String body) {
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Hook> hooks = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> mostOpen = new ConcurrentHashMap<>();
    private final AtomicInteger openInAll = new AtomicInteger();
    private final AtomicInteger mostOpenInAll = new AtomicInteger();

    /** Answers each request with {@code status.applyAsInt(hook)} at once. */
    WebhookReceiver(ToIntFunction<Hook> status) {
        this(status, hook -> 0);
    }

    /** Answers each request with {@code status.applyAsInt(hook)} after {@code delayMillis.applyAsLong(hook)}. */
    WebhookReceiver(ToIntFunction<Hook> status, ToLongFunction<Hook> delayMillis) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            var headers = exchange.getRequestHeaders();
            Hook hook = new Hook(exchange.getRequestURI().getPath(), headers.getFirst(WebhookSigner.EVENT_ID_HEADER),
                    headers.getFirst(WebhookSigner.EVENT_TYPE_HEADER), headers.getFirst(WebhookSigner.SIGNATURE_HEADER),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            AtomicInteger pathOpen = open.computeIfAbsent(hook.path(), p -> new AtomicInteger());
            mostOpen.computeIfAbsent(hook.path(), p -> new AtomicInteger()).accumulateAndGet(pathOpen.incrementAndGet(),
                    Math::max);
            mostOpenInAll.accumulateAndGet(openInAll.incrementAndGet(), Math::max);
            hooks.add(hook);
            try {
                Thread.sleep(delayMillis.applyAsLong(hook));
                exchange.sendResponseHeaders(status.applyAsInt(hook), -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // the sender gave up waiting (its timeout) and closed the connection
            } finally {
                pathOpen.decrementAndGet();
                openInAll.decrementAndGet();
                exchange.close();
            }
        });
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    List<Hook> hooks() {
        return List.copyOf(hooks);
    }

    /** The most requests to {@code path} that were open at the same time. */
    int mostOpen(String path) {
        AtomicInteger most = mostOpen.get(path);
        return most == null ? 0 : most.get();
    }

    /** The most requests (to any path) that were open at the same time. */
    int mostOpen() {
        return mostOpenInAll.get();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
