package dev.voiceagent.gateway.outbound;

import dev.voiceagent.contracts.CallEvents.CallCreated;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.gateway.calllog.CallLog;
import dev.voiceagent.gateway.calllog.CallLogRepository;
import dev.voiceagent.gateway.calllog.CallStatus;
import dev.voiceagent.gateway.support.GatewayProperties;
import dev.voiceagent.support.PhoneNumbers;
import dev.voiceagent.gateway.support.RequestBodies;
import dev.voiceagent.support.tenant.TenantAuthenticator;
import dev.voiceagent.gateway.limits.CallSlots;
import dev.voiceagent.gateway.limits.RateLimits;
import dev.voiceagent.gateway.logstream.CallLogLines;
import dev.voiceagent.gateway.outbox.CallEventOutbox;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import java.util.UUID;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/make-call}: places an outbound call for the tenant of the API key (429 at its concurrent-call
 * limit), writes its call log and, in the same transaction, {@code voice.call.created} to the outbox. With an
 * {@code Idempotency-Key}, a retry answers the first result. Optional answering-machine detection.
 */
public class MakeCallHandler {

    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String REPLAYED = "Idempotent-Replayed";
    private static final int MAX_BODY = 16 * 1024;
    private static final int MAX_KEY_LENGTH = 255;
    private static final Logger log = LoggerFactory.getLogger(MakeCallHandler.class);

    /** {@code POST /api/v1/make-call} as the API documents describe it. */
    public static final RouteDescription ROUTE = RouteDescription.of("Place an outbound call for the API key's "
                    + "tenant; with an Idempotency-Key header a retry answers the first result; 429 at the tenant's "
                    + "call rate or concurrent-call limit")
            .accepts(Body.json(MakeCallRequest.MakeCallBody.class))
            .answers(Body.json(MakeCallResponse.class));

    private final TenantAuthenticator auth;
    private final TwilioCallClient twilio;
    private final CallLogRepository calls;
    private final IdempotencyRepository idempotency;
    private final JsonMapper json;
    private final GatewayProperties properties;
    private final CallEventOutbox outbox;
    private final RateLimits limits;
    private final CallSlots slots;
    private final CallLogLines lines;

    public MakeCallHandler(TenantAuthenticator auth, TwilioCallClient twilio, CallLogRepository calls,
                           IdempotencyRepository idempotency, CallEventOutbox outbox, JsonMapper json,
                           GatewayProperties properties, RateLimits limits, CallSlots slots, CallLogLines lines) {
        this.auth = auth;
        this.twilio = twilio;
        this.calls = calls;
        this.idempotency = idempotency;
        this.outbox = outbox;
        this.json = json;
        this.properties = properties;
        this.limits = limits;
        this.slots = slots;
        this.lines = lines;
    }

    /** The answer to a placed call. */
    public record MakeCallResponse(boolean ok, String callSid, String status, String to, String from) {
    }

    public Mono<ServerResponse> handle(ServerRequest request) {
        String key = idempotencyKey(request);
        return auth.tenant(request)
                .flatMap(tenant -> RequestBodies.readUtf8(request, MAX_BODY)
                        .map(body -> MakeCallRequest.parse(json, body, tenant))
                        .flatMap(call -> key == null ? place(tenant, call).flatMap(MakeCallHandler::created)
                                : placeOnce(tenant, key, call)));
    }

    private Mono<ServerResponse> placeOnce(TenantConfigPublished tenant, String key, MakeCallRequest call) {
        String tenantId = tenant.tenantId();
        return idempotency.claim(tenantId, key, call.fingerprint(), properties.idempotencyRetention())
                .flatMap(claimed -> claimed
                        ? place(tenant, call)
                                .flatMap(response -> remember(tenantId, key, response))
                                .onErrorResume(e -> releaseUnlessAmbiguous(tenantId, key, e))
                                .flatMap(MakeCallHandler::created)
                        : replay(tenantId, key, call));
    }

    /**
     * A failed attempt frees its key for a retry, unless Twilio did not answer in time: then the call may exist
     * (a slow Twilio acts before it answers), and a retry placing it again would ring the callee twice. Such a key
     * stays held, and retries with it answer 409, until its retention ends.
     */
    private Mono<MakeCallResponse> releaseUnlessAmbiguous(String tenantId, String key, Throwable e) {
        if (TwilioCallClient.ambiguous(e)) {
            log.warn("make-call for tenant {} timed out at Twilio; Idempotency-Key kept, the call may exist", tenantId);
            return idempotency.markAmbiguous(tenantId, key).then(Mono.error(e));
        }
        return idempotency.release(tenantId, key).then(Mono.error(e));
    }

    private Mono<ServerResponse> replay(String tenantId, String key, MakeCallRequest call) {
        return idempotency.find(tenantId, key)
                .switchIfEmpty(Mono.error(() -> Problems.conflict("The request with this Idempotency-Key was just "
                        + "released; retry.")))
                .flatMap(entry -> {
                    if (!entry.requestHash().equals(call.fingerprint())) {
                        return Mono.error(Problems.of(HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency-Key reused",
                                "This Idempotency-Key was used for a different request."));
                    }
                    if (IdempotencyRepository.AMBIGUOUS.equals(entry.response())) {
                        return Mono.error(Problems.conflict("The first request with this Idempotency-Key timed out at "
                                + "Twilio; the call may have been placed. Check the call logs before placing it "
                                + "again with a new key."));
                    }
                    if (entry.response() == null) {
                        return Mono.error(Problems.conflict("A request with this Idempotency-Key is in progress."));
                    }
                    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).header(REPLAYED, "true")
                            .bodyValue(entry.response());
                });
    }

    private Mono<MakeCallResponse> remember(String tenantId, String key, MakeCallResponse response) {
        return idempotency.complete(tenantId, key, response.callSid(), json.writeValueAsString(response))
                .thenReturn(response);
    }

    private Mono<MakeCallResponse> place(TenantConfigPublished tenant, MakeCallRequest call) {
        if (!limits.enabled()) {
            return placeAndRecord(tenant, call, null);
        }
        long wait = limits.placeCall(tenant.tenantId());
        if (wait > 0) {
            return Mono.error(RateLimits.tooManyRequests("Calls are being placed too fast for this tenant.", wait));
        }
        // the slot is held from before Twilio is asked until the call log takes it over (or the attempt fails)
        String reservation = UUID.randomUUID().toString();
        int limit = limits.concurrentCalls(tenant);
        return slots.reserve(reservation, tenant.tenantId(), limit, properties.limits().maxCallAge(),
                        properties.limits().slotReservationTtl())
                .flatMap(slot -> slot.reserved() ? placeAndRecord(tenant, call, reservation)
                        .onErrorResume(e -> slots.release(reservation).then(Mono.error(e)))
                        : Mono.error(RateLimits.tooManyRequests("The tenant has " + slot.live()
                                + " live calls; the limit is " + limit + ".", limits.concurrencyRetryAfterSeconds())));
    }

    private Mono<MakeCallResponse> placeAndRecord(TenantConfigPublished tenant, MakeCallRequest call,
                                                  String reservation) {
        return twilio.create(call.to(), call.from(), call.machineDetection())
                .flatMap(callSid -> record(tenant.tenantId(), callSid, call, reservation))
                .map(callSid -> new MakeCallResponse(true, callSid, CallStatus.QUEUED.wire(), call.to(), call.from()));
    }

    private Mono<String> record(String tenantId, String callSid, MakeCallRequest call, String reservation) {
        log.info("call {} placed for tenant {} to {}", callSid, tenantId, PhoneNumbers.mask(call.to()));
        CallLog callLog = CallLog.opened(callSid, tenantId, CallLog.OUTBOUND_API, call.from(), call.to(),
                CallStatus.QUEUED, call.agentKey(), call.agentVersionId(), call.greeting())
                .withMachineDetection(call.machineDetection());
        CallCreated event = new CallCreated(CallLog.OUTBOUND_API, call.from(), call.to(), call.agentKey(),
                call.agentVersionId());
        // the log and its event commit together, and the log takes over the reserved slot in the same transaction;
        // the relay publishes the event even if Kafka is down right now
        Mono<Boolean> write = calls.insertIfAbsent(callLog)
                .flatMap(created -> created ? outbox.add(outbox.envelope(tenantId, callSid, event)).thenReturn(true)
                        : Mono.just(false))
                .flatMap(created -> reservation == null ? Mono.just(created)
                        : slots.release(reservation).thenReturn(created));
        return outbox.inTransaction(write)
                .doOnNext(created -> lines.info(tenantId, callSid, "outbound call queued at Twilio to "
                        + PhoneNumbers.mask(call.to()) + (call.machineDetection() == null ? ""
                        : " with machine detection " + call.machineDetection().mode() + ", voicemail policy "
                        + call.machineDetection().voicemailPolicy())))
                .thenReturn(callSid);
    }

    private static Mono<ServerResponse> created(MakeCallResponse response) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(response);
    }

    private static String idempotencyKey(ServerRequest request) {
        String key = request.headers().firstHeader(IDEMPOTENCY_KEY);
        if (key == null) {
            return null;
        }
        if (key.isBlank() || key.length() > MAX_KEY_LENGTH) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "Invalid request",
                    "Idempotency-Key must be 1 to " + MAX_KEY_LENGTH + " characters.");
        }
        return key;
    }
}
