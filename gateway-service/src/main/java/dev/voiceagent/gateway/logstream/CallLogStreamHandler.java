package dev.voiceagent.gateway.logstream;

import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.LogLine;
import dev.voiceagent.gateway.calllog.CallLog;
import dev.voiceagent.gateway.calllog.CallLogRepository;
import dev.voiceagent.gateway.calllog.CallStatus;
import dev.voiceagent.gateway.support.GatewayProperties;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import dev.voiceagent.support.tenant.TenantAuthenticator;
import java.time.Instant;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/v1/calls/{call_sid}/logs/stream}: the call's live log lines as Server-Sent Events for the tenant
 * that owns the call (another tenant's call is a 404), with heartbeat comments; the stream ends when the call ends.
 */
public class CallLogStreamHandler {

    static final String END = "end";

    /** {@code GET /api/v1/calls/{call_sid}/logs/stream} as the API documents describe it. */
    public static final RouteDescription ROUTE = RouteDescription.of("The call's live log lines as Server-Sent "
                    + "Events: 'log' events (data below), heartbeat comments, and an 'end' event (data {status}) "
                    + "when the call ends; 404 for another tenant's call")
            .answers(Body.events(LogLineView.class));

    private final TenantAuthenticator auth;
    private final CallLogRepository calls;
    private final CallLogStreams streams;
    private final GatewayProperties.LogStream settings;

    public CallLogStreamHandler(TenantAuthenticator auth, CallLogRepository calls, CallLogStreams streams,
                                GatewayProperties.LogStream settings) {
        this.auth = auth;
        this.calls = calls;
        this.streams = streams;
        this.settings = settings;
    }

    /** One line as the stream shows it (snake_case JSON). */
    public record LogLineView(String callSid, Instant time, String level, String source, String message) {

        static LogLineView of(EventEnvelope<LogLine> line) {
            return new LogLineView(line.callSid(), line.time(), line.data().level(), line.source(),
                    line.data().message());
        }
    }

    public Mono<ServerResponse> stream(ServerRequest request) {
        String callSid = request.pathVariable("call_sid");
        return auth.tenant(request)
                .flatMap(tenant -> calls.findForTenant(tenant.tenantId(), callSid))
                .switchIfEmpty(Mono.error(() -> Problems.notFound("No call " + callSid + ".")))
                .flatMap(call -> ServerResponse.ok()
                        .contentType(MediaType.TEXT_EVENT_STREAM)
                        .header("Cache-Control", "no-cache")
                        .header("X-Accel-Buffering", "no")
                        .body(BodyInserters.fromServerSentEvents(events(call))));
    }

    Flux<ServerSentEvent<Object>> events(CallLog call) {
        if (ended(call)) {
            return Flux.just(ended(call.status()));
        }
        // merge subscribes in order: the watch is attached before the call is looked up again, so an end that
        // came between the first lookup and the watch (when nobody watched, and it was dropped) is not missed
        Flux<ServerSentEvent<Object>> lines = streams.watch(call.tenantId(), call.callSid())
                .map(line -> ServerSentEvent.builder((Object) LogLineView.of(line))
                        .id(line.id()).event("log").build());
        Mono<ServerSentEvent<Object>> lookAgain = calls.findForTenant(call.tenantId(), call.callSid())
                .filter(CallLogStreamHandler::ended)
                .doOnNext(over -> streams.complete(over.callSid()))
                .then(Mono.empty());
        // the end event names how the call ended (busy, no-answer, failed, …), as the call log has it by then
        Mono<ServerSentEvent<Object>> end = Mono.defer(() -> calls.findForTenant(call.tenantId(), call.callSid()))
                .filter(CallLogStreamHandler::ended)
                .map(over -> ended(over.status()))
                .defaultIfEmpty(ended("completed"));
        Flux<ServerSentEvent<Object>> heartbeats = Flux.interval(settings.heartbeat())
                .map(tick -> ServerSentEvent.builder().comment("heartbeat").build());
        // the end event closes the merge, which cancels the heartbeats with it
        return Flux.merge(lines.concatWith(end), lookAgain, heartbeats)
                .startWith(ServerSentEvent.builder().comment("streaming call " + call.callSid()).build())
                .takeUntil(event -> END.equals(event.event()))
                .take(settings.maxDuration());
    }

    private static boolean ended(CallLog call) {
        return CallStatus.fromWire(call.status()).map(CallStatus::terminal).orElse(false);
    }

    private static ServerSentEvent<Object> ended(String status) {
        return ServerSentEvent.builder((Object) Map.of("status", status)).event(END).build();
    }
}
