package dev.voiceagent.localstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Seeds the demo tenant through the services' public admin APIs, exactly as an operator would, then waits
 * until every service that resolves tenants has seen the published view.
 */
final class DemoSeed {

    private static final Duration PROPAGATION_LIMIT = Duration.ofSeconds(60);

    private final LocalStack stack;
    private final LocalStackOptions options;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    DemoSeed(LocalStack stack) {
        this.stack = stack;
        this.options = stack.options();
    }

    void run() {
        String config = stack.url("config-service") + "/api/v1/admin/tenants/" + options.tenantId();
        send("PUT", config, """
                {"display_name":"Demo Bank","phone_numbers":["%s"],"time_zone":"America/New_York"}"""
                .formatted(options.tenantNumber()), 200, 201);
        send("PUT", config + "/runtime-config", """
                {"model":"gpt-realtime","voice":"alloy","system_prompt_key":"support_default",\
                "greeting":"Thanks for calling Demo Bank, how can I help?"}""", 200);
        send("POST", config + "/api-keys", """
                {"name":"demo","key":"%s"}""".formatted(options.tenantApiKey()), 200, 201, 409);
        send("PUT", stack.url("tool-executor-service") + "/api/v1/admin/tenants/" + options.tenantId() + "/accounts", """
                {"accounts":[{"account_number":"1001","caller_number":"+15555550100","name":"Alex Demo",\
                "balance":"42.50","currency":"USD","status":"active","verification_pin":"2468"}]}""", 200, 201, 204);
        awaitTenantVisible(List.of(
                stack.url("gateway-service") + "/api/v1/call-logs?limit=1",
                stack.url("media-bridge-service") + "/api/v1/active-sessions",
                stack.url("evaluation-service") + "/api/v1/evaluations/sessions/CA-probe",
                stack.url("callback-service") + "/api/v1/callbacks?status=open"));
    }

    private void send(String method, String url, String json, int... expected) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json")
                .header("x-admin-key", options.adminKey())
                .method(method, HttpRequest.BodyPublishers.ofString(json))
                .build();
        HttpResponse<String> response = exchange(request);
        for (int status : expected) {
            if (response.statusCode() == status) {
                return;
            }
        }
        throw new IllegalStateException("seeding failed: " + method + " " + url + " -> " + response.statusCode()
                + " " + response.body());
    }

    /** A tenant-key request answers 401 until the service's tenant directory has the demo tenant. */
    private void awaitTenantVisible(List<String> probes) {
        Instant deadline = Instant.now().plus(PROPAGATION_LIMIT);
        for (String probe : probes) {
            while (true) {
                HttpRequest request = HttpRequest.newBuilder(URI.create(probe))
                        .timeout(Duration.ofSeconds(5))
                        .header("x-api-key", options.tenantApiKey())
                        .GET().build();
                int status = exchange(request).statusCode();
                if (status != 401 && status != 403 && status < 500) {
                    break;
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("demo tenant not visible at " + probe + " (last status " + status + ")");
                }
                pause();
            }
        }
    }

    private HttpResponse<String> exchange(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void pause() {
        try {
            java.util.concurrent.TimeUnit.MILLISECONDS.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
