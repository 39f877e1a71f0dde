package dev.voiceagent.callbacks.webhook;

import dev.voiceagent.callbacks.webhook.WebhookEventRepository.Delivery;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.QueryParams;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import dev.voiceagent.support.RouteDescription.ParameterType;
import dev.voiceagent.support.tenant.TenantAuthenticator;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The tenant's webhook deliveries ({@code x-api-key}), dead letters included:
 * {@code GET /api/v1/callbacks/webhook-events?status=&type=&limit=&offset=} (newest first),
 * {@code GET …/webhook-events/{id}} (with the exact body that is signed and sent) and
 * {@code POST …/webhook-events/{id}/redeliver} (a dead, skipped or delivered event queued again with fresh
 * attempts and the same id; 409 while it is pending). Under {@code /api/v1/callbacks} so the gateway's proxy
 * route serves it; ordered ahead of the task routes, whose {@code {id}} would otherwise match.
 */
@Configuration
public class WebhookEventsHandler {

    private static final List<String> STATUSES = List.of(WebhookEventRepository.PENDING,
            WebhookEventRepository.DELIVERED, WebhookEventRepository.DEAD, WebhookEventRepository.SKIPPED);
    private static final String BASE = "/api/v1/callbacks/webhook-events";

    private final WebhookEventRepository events;
    private final TenantAuthenticator tenants;

    public WebhookEventsHandler(WebhookEventRepository events, TenantAuthenticator tenants) {
        this.events = events;
        this.tenants = tenants;
    }

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    RouterFunction<ServerResponse> webhookEventRoutes() {
        return RouterFunctions.route()
                .GET(BASE, this::list)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("The tenant's webhook deliveries, "
                                + "dead letters included, newest first")
                        .query("status", "only deliveries in this state", STATUSES)
                        .query("type", ParameterType.STRING, "only events of this type")
                        .query("limit", ParameterType.INTEGER, "page size, 1-200 (default 50)")
                        .query("offset", ParameterType.INTEGER, "events to skip (default 0)")
                        .answers(Body.json(DeliveryPage.class)))
                .GET(BASE + "/{eventId}", this::get)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("One webhook delivery with the exact "
                        + "body that is signed and sent").answers(Body.json(DeliveryView.class)))
                .POST(BASE + "/{eventId}/redeliver", this::redeliver)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Queue a dead, skipped or delivered "
                                + "event again with fresh attempts and the same id (409 while it is pending)")
                        .answers(HttpStatus.ACCEPTED, Body.json(DeliveryView.class)))
                .build();
    }

    Mono<ServerResponse> list(ServerRequest request) {
        String status = request.queryParam("status").filter(s -> !s.isBlank()).orElse(null);
        if (status != null && !STATUSES.contains(status)) {
            return Mono.error(Problems.invalidField("status", "must be one of pending, delivered, dead, skipped"));
        }
        String type = request.queryParam("type").filter(t -> !t.isBlank()).orElse(null);
        int limit = QueryParams.intParam(request, "limit", 50, 1, 200);
        int offset = QueryParams.intParam(request, "offset", 0, 0, Integer.MAX_VALUE);
        return tenants.tenant(request)
                .flatMap(tenant -> events.list(tenant.tenantId(), status, type, limit, offset)
                        .map(d -> DeliveryView.of(d, false)).collectList())
                .flatMap(items -> json(new DeliveryPage(items, limit, offset)));
    }

    Mono<ServerResponse> get(ServerRequest request) {
        String id = request.pathVariable("eventId");
        return tenants.tenant(request)
                .flatMap(tenant -> find(tenant.tenantId(), id))
                .flatMap(d -> json(DeliveryView.of(d, true)));
    }

    Mono<ServerResponse> redeliver(ServerRequest request) {
        String id = request.pathVariable("eventId");
        return tenants.tenant(request)
                .flatMap(tenant -> events.redeliver(tenant.tenantId(), id)
                        .flatMap(n -> n > 0 ? find(tenant.tenantId(), id)
                                : find(tenant.tenantId(), id).flatMap(d -> Mono.<Delivery>error(
                                        Problems.conflict("The event is already queued for delivery.")))))
                .flatMap(d -> ServerResponse.accepted().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(DeliveryView.of(d, false)));
    }

    private Mono<Delivery> find(String tenantId, String id) {
        return events.find(tenantId, id)
                .switchIfEmpty(Mono.error(() -> Problems.notFound("No webhook event " + id + ".")));
    }

    private static Mono<ServerResponse> json(Object body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }

    /** One page of deliveries. */
    public record DeliveryPage(List<DeliveryView> webhookEvents, int limit, int offset) {
    }

    /** One event and its delivery state; {@code body} (the signed JSON) only on the single-event read. */
    public record DeliveryView(String id, String type, String taskId, String callSid, String status, int attempts,
                               String lastError, Instant createdAt, Instant nextAttemptAt, Instant deliveredAt,
                               Object body) {

        static DeliveryView of(Delivery d, boolean withBody) {
            boolean pending = WebhookEventRepository.PENDING.equals(d.status());
            return new DeliveryView(d.eventId(), d.type(), d.taskId(), d.callSid(), d.status(), d.attempts(),
                    d.lastError(), d.createdAt(), pending ? d.nextAttemptAt() : null, d.deliveredAt(),
                    withBody ? EventCodec.mapper().readValue(d.payload(), Map.class) : null);
        }
    }
}
