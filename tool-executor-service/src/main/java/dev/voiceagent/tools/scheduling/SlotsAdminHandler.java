package dev.voiceagent.tools.scheduling;

import dev.voiceagent.support.Problems;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import dev.voiceagent.tools.support.AdminKeyGuard;
import dev.voiceagent.tools.support.AdminRoutes;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.http.codec.HttpMessageReader;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code PUT /api/v1/admin/tenants/{tenant_id}/slots} ({@code x-admin-key}): adds bookable slots, body
 * {@code {"slots":[{resource, starts_at, ends_at}]}} with ISO-8601 times that carry an offset. Adding a slot
 * that exists (same resource and start) changes nothing (at most 5,000 slots, 4 MiB; larger is a 413); answers the
 * slots with their ids (UTC times).
 */
@Configuration(proxyBeanMethods = false)
public class SlotsAdminHandler {

    private static final int MAX_SLOTS = 5_000;
    private static final Duration MAX_LENGTH = Duration.ofDays(1);
    /**
     * The largest body read: 5,000 slots at up to about 800 bytes each (a slot is a resource of at most 100
     * characters and two timestamps, about 150 bytes as tenants send it). Behind the admin key only.
     */
    static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

    private final ScheduleRepository schedule;
    private final AdminKeyGuard guard;
    private final List<HttpMessageReader<?>> bodyReaders;

    public SlotsAdminHandler(ScheduleRepository schedule, AdminKeyGuard guard, JsonMapper json) {
        this.schedule = schedule;
        this.guard = guard;
        this.bodyReaders = AdminRoutes.jsonReaders(json, MAX_BODY_BYTES);
    }

    @Bean
    RouterFunction<ServerResponse> slotsAdminRoutes() {
        return RouterFunctions.route()
                .PUT("/api/v1/admin/tenants/{tenant_id}/slots", this::add)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Add bookable slots (times with an "
                                + "offset; at most " + MAX_SLOTS + "); an existing slot is left as it is")
                        .accepts(Body.json(SlotsBody.class)).answers(Body.json(SlotsAdded.class)))
                .build();
    }

    Mono<ServerResponse> add(ServerRequest request) {
        String tenantId = request.pathVariable("tenant_id");
        return guard.check(request)
                .then(Mono.defer(() -> AdminRoutes.validTenantId(tenantId) ? Mono.<Void>empty()
                        : Mono.error(Problems.invalidField("tenant_id", "must be 1-64 letters, digits, '-' or '_'"))))
                .then(AdminRoutes.body(request, bodyReaders, SlotsBody.class))
                .switchIfEmpty(Mono.error(() -> Problems.badRequest("A JSON body {\"slots\": [...]} is required.")))
                .map(body -> validated(tenantId, body))
                .flatMap(slots -> schedule.addSlots(tenantId, slots).map(added -> answer(tenantId, slots, added)))
                .flatMap(answer -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(answer));
    }

    static List<Slot> validated(String tenantId, SlotsBody body) {
        if (body.slots() == null || body.slots().size() > MAX_SLOTS) {
            throw Problems.invalidField("slots", "is required, at most " + MAX_SLOTS + " per request");
        }
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < body.slots().size(); i++) {
            SlotInput in = body.slots().get(i);
            String at = "slots[" + i + "].";
            if (in == null || in.resource() == null || in.resource().isBlank() || in.resource().length() > 100) {
                throw Problems.invalidField(at + "resource", "is required (at most 100 characters)");
            }
            Instant starts = SlotTimes.parseWithOffset(in.startsAt());
            Instant ends = SlotTimes.parseWithOffset(in.endsAt());
            if (starts == null) {
                throw Problems.invalidField(at + "starts_at", "must be ISO-8601 with an offset, e.g. 2030-01-02T09:00:00-05:00");
            }
            if (ends == null || !ends.isAfter(starts) || Duration.between(starts, ends).compareTo(MAX_LENGTH) > 0) {
                throw Problems.invalidField(at + "ends_at", "must be ISO-8601 with an offset, after starts_at, within a day");
            }
            String resource = in.resource().trim();
            slots.add(new Slot(SlotTimes.slotId(tenantId, resource, starts), resource, starts, ends));
        }
        return slots;
    }

    private static SlotsAdded answer(String tenantId, List<Slot> slots, long added) {
        return new SlotsAdded(tenantId, added, slots.stream().map(slot -> SlotTimes.describe(slot, ZoneOffset.UTC))
                .toList());
    }

    /** The answer: how many slots were new, and every slot of the request with its id (UTC times). */
    public record SlotsAdded(String tenantId, long added, List<Map<String, Object>> slots) {
    }

    /** The request body. */
    record SlotsBody(List<SlotInput> slots) {
    }

    /** One slot as the tenant sends it. */
    record SlotInput(String resource, String startsAt, String endsAt) {
    }
}
