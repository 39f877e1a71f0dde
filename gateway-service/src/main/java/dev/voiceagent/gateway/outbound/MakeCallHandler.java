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
import dev.voiceagent.support.DatabaseDeadlines;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import java.time.Duration;
import java.util.UUID;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/make-call}: places an outbound call for the tenant of the API key (429 at its concurrent-call
 * limit), writes its call log and, in the same transaction, {@code voice.call.created} to the outbox and the
 * {@code Idempotency-Key}'s answer, which a retry with the key gets. Optional answering-machine detection.
 */
public class MakeCallHandler {

    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String REPLAYED = "Idempotent-Replayed";
    private static final int MAX_BODY = 16 * 1024;
    private static final int MAX_KEY_LENGTH = 255;
    /** How long past a tenant's maximum call duration Twilio leaves a placed call, for the bridge's goodbye. */
    static final int GOODBYE_SECONDS = 30;
    private static final Logger log = LoggerFactory.getLogger(MakeCallHandler.class);
    /** Writing the log of a call that exists is worth a few quick tries; then the call is answered without it. */
    private static final Retry RECORD_RETRY = Retry.backoff(3, Duration.ofMillis(100)).maxBackoff(Duration.ofSeconds(1))
            .onRetryExhaustedThrow((spec, signal) -> signal.failure());

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
                        .flatMap(call -> key == null ? toTheEnd(place(tenant, call, null)).flatMap(MakeCallHandler::created)
                                : placeOnce(tenant, key, call)));
    }

    /**
     * Once Twilio may be asked, the attempt runs to its end whatever the client does: a client that hangs up must not
     * leave a placed call without its log, its event or its key's answer (the SDK call itself would go on anyway).
     */
    private static <T> Mono<T> toTheEnd(Mono<T> attempt) {
        return DatabaseDeadlines.toTheEnd(attempt);
    }

    private Mono<ServerResponse> placeOnce(TenantConfigPublished tenant, String key, MakeCallRequest call) {
        String tenantId = tenant.tenantId();
        // empty: another request holds the key, and this one answers what that one left
        Mono<MakeCallResponse> attempt = idempotency.claim(tenantId, key, call.fingerprint(),
                        properties.idempotencyRetention())
                .flatMap(claimed -> claimed ? place(tenant, call, key)
                        .onErrorResume(e -> releaseUnlessAmbiguous(tenantId, key, e)) : Mono.empty());
        return toTheEnd(attempt)
                .flatMap(MakeCallHandler::created)
                .switchIfEmpty(Mono.defer(() -> replay(tenantId, key, call)));
    }

    /**
     * A failed attempt frees its key for a retry when the call certainly does not exist: it failed before Twilio was
     * asked, or Twilio refused it. When Twilio may have created it (no answer in time, a 5xx, a lost connection), a
     * retry placing it again could ring the callee twice: such a key stays held, and retries with it answer 409,
     * until its retention ends. (Failures after Twilio answered with the call never reach here: see {@link #record}.)
     */
    private Mono<MakeCallResponse> releaseUnlessAmbiguous(String tenantId, String key, Throwable e) {
        if (TwilioCallClient.ambiguous(e)) {
            log.warn("make-call for tenant {} failed without a clear answer from Twilio; Idempotency-Key kept, the call "
                    + "may exist", tenantId);
            return idempotency.markAmbiguous(tenantId, key).then(Mono.error(e));
        }
        return idempotency.release(tenantId, key).then(Mono.error(e));
    }

    private Mono<ServerResponse> replay(String tenantId, String key, MakeCallRequest call) {
        return idempotency.find(tenantId, key)
                .switchIfEmpty(Mono.error(() -> Problems.conflict("The request with this Idempotency-Key was just "
                        + "released; retry.")))
                .flatMap(entry -> {
                    if (!call.matches(entry.requestHash())) {
                        return Mono.error(Problems.of(HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency-Key reused",
                                "This Idempotency-Key was used for a different request."));
                    }
                    if (IdempotencyRepository.AMBIGUOUS.equals(entry.response())) {
                        return Mono.error(Problems.conflict("The first request with this Idempotency-Key got no clear "
                                + "answer from Twilio (a timeout, a Twilio error or a lost connection): the call may "
                                + "have been placed. Check the call logs before placing it again with a new key."));
                    }
                    if (entry.response() == null) {
                        return Mono.error(Problems.conflict("A request with this Idempotency-Key is in progress."));
                    }
                    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).header(REPLAYED, "true")
                            .bodyValue(entry.response());
                });
    }

    private Mono<MakeCallResponse> place(TenantConfigPublished tenant, MakeCallRequest call, String key) {
        if (!limits.enabled()) {
            return placeAndRecord(tenant, call, key, null);
        }
        long wait = limits.placeCall(tenant);
        if (wait > 0) {
            return Mono.error(RateLimits.tooManyRequests("Calls are being placed too fast for this tenant.", wait));
        }
        // the slot is held from before Twilio is asked until the call log takes it over (or the attempt fails)
        String reservation = UUID.randomUUID().toString();
        int limit = limits.concurrentCalls(tenant);
        return slots.reserve(reservation, tenant.tenantId(), limit, properties.limits().maxCallAge(),
                        properties.limits().slotReservationTtl())
                .flatMap(slot -> slot.reserved() ? placeAndRecord(tenant, call, key, reservation)
                        .onErrorResume(e -> slots.release(reservation).then(Mono.error(e)))
                        : Mono.error(RateLimits.tooManyRequests("The tenant has " + slot.live()
                                + " live calls; the limit is " + limit + ".", limits.concurrencyRetryAfterSeconds())));
    }

    private Mono<MakeCallResponse> placeAndRecord(TenantConfigPublished tenant, MakeCallRequest call, String key,
                                                  String reservation) {
        return twilio.create(call.to(), call.from(), call.machineDetection(), timeLimit(tenant))
                .map(callSid -> new MakeCallResponse(true, callSid, CallStatus.QUEUED.wire(), call.to(), call.from()))
                .flatMap(response -> record(tenant.tenantId(), call, response, key, reservation));
    }

    /**
     * Twilio's hard limit on a placed call's length: the tenant's {@code max_call_duration_seconds} and time for the
     * goodbye the media bridge says when the call reaches it. A backstop for when the bridge cannot end the call (it
     * was lost); none when the tenant sets no limit.
     */
    static Integer timeLimit(TenantConfigPublished tenant) {
        Integer max = tenant.limits().maxCallDurationSeconds();
        return max == null ? null : max + GOODBYE_SECONDS;
    }

    /**
     * Twilio has created the call: its log, {@code voice.call.created} (outbox), the hand-over of the reserved slot
     * and the key's answer commit in one transaction, tried again a few times (each write is idempotent). This never
     * fails: the call exists, so the client gets its answer, and the key is never freed for a second call.
     */
    private Mono<MakeCallResponse> record(String tenantId, MakeCallRequest call, MakeCallResponse response, String key,
                                          String reservation) {
        log.info("call {} placed for tenant {} to {}", response.callSid(), tenantId, PhoneNumbers.mask(call.to()));
        String answer = json.writeValueAsString(response);
        return Mono.defer(() -> outbox.inTransaction(logAndAnswer(tenantId, call, response.callSid(), key, answer,
                        reservation)))
                .retryWhen(RECORD_RETRY)
                .doOnNext(created -> lines.info(tenantId, response.callSid(), queuedLine(call)))
                .thenReturn(response)
                .onErrorResume(e -> unrecorded(tenantId, key, response, answer, e));
    }

    /** The writes of {@link #record}; the relay publishes the event even if Kafka is down right now. */
    private Mono<Boolean> logAndAnswer(String tenantId, MakeCallRequest call, String callSid, String key, String answer,
                                       String reservation) {
        CallLog callLog = CallLog.opened(callSid, tenantId, CallLog.OUTBOUND_API, call.from(), call.to(),
                CallStatus.QUEUED, call.agentKey(), call.agentVersionId(), call.greeting())
                .withMachineDetection(call.machineDetection());
        CallCreated event = new CallCreated(CallLog.OUTBOUND_API, call.from(), call.to(), call.agentKey(),
                call.agentVersionId());
        return calls.insertIfAbsent(callLog)
                .flatMap(created -> created ? outbox.add(outbox.envelope(tenantId, callSid, event)).thenReturn(true)
                        : Mono.just(false))
                .flatMap(created -> reservation == null ? Mono.just(created)
                        : slots.release(reservation).thenReturn(created))
                .flatMap(created -> key == null ? Mono.just(created)
                        : idempotency.complete(tenantId, key, callSid, answer).thenReturn(created));
    }

    /**
     * The call exists but its log could not be written: the client still gets the call, and the key keeps the answer
     * if it can be stored on its own. Twilio's TwiML request then finds no log and routes the call by its From number.
     */
    private Mono<MakeCallResponse> unrecorded(String tenantId, String key, MakeCallResponse response, String answer,
                                              Throwable e) {
        log.error("call {} was placed for tenant {} but its call log could not be written: {}", response.callSid(),
                tenantId, e.toString());
        if (key == null) {
            return Mono.just(response);
        }
        return idempotency.complete(tenantId, key, response.callSid(), answer)
                .onErrorResume(stored -> {
                    log.error("call {}: the answer of Idempotency-Key could not be stored either; retries with it answer "
                            + "409: {}", response.callSid(), stored.toString());
                    return Mono.empty();
                })
                .thenReturn(response);
    }

    private static String queuedLine(MakeCallRequest call) {
        return "outbound call queued at Twilio to " + PhoneNumbers.mask(call.to())
                + (call.machineDetection() == null ? "" : " with machine detection " + call.machineDetection().mode()
                + ", voicemail policy " + call.machineDetection().voicemailPolicy());
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
