package dev.voiceagent.support.observability;

import io.micrometer.context.ThreadLocalAccessor;
import java.util.function.Function;
import org.slf4j.MDC;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * Puts a call's SID and tenant into the logs of everything a reactive pipeline does for that call. Write them
 * into the pipeline once, at the edge where the call is known:
 *
 * <pre>{@code
 * return processor.process(call).transform(CallLogContext.forCall(tenantId, callSid));
 * }</pre>
 *
 * With {@code spring.reactor.context-propagation=auto} (a platform default) every stage of the pipeline then
 * logs with the MDC keys {@value #CALL_SID} and {@value #TENANT_ID}, on whatever thread it runs, next to
 * {@code traceId} and {@code spanId}. Imperative code uses {@link #open(String, String)} in a try-with-resources.
 * The accessor is registered with Micrometer's context-propagation through {@code META-INF/services}.
 *
 * <p>Automatic propagation reads, sets and restores the accessor around every signal that crosses a context
 * boundary — on a media stream, several times per 20 ms frame. The thread's call is therefore kept in a plain
 * thread-local beside the MDC: reading it costs no MDC lookup and no allocation, and setting the value the thread
 * already has (the common case) touches nothing. The MDC keys change only through this class.
 */
public final class CallLogContext implements ThreadLocalAccessor<CallLogContext.Call> {

    public static final String CALL_SID = "call_sid";
    public static final String TENANT_ID = "tenant_id";
    /** The Reactor context key the call is kept under. */
    public static final String KEY = "voice.call";

    /** The identity a log line is tagged with; either part may be null. */
    public record Call(String tenantId, String callSid) {
    }

    /** Tags a {@link Mono} or {@link Flux} pipeline (use with {@code transform}). */
    public static <P extends org.reactivestreams.Publisher<?>> Function<P, P> forCall(String tenantId, String callSid) {
        return publisher -> withCall(publisher, tenantId, callSid);
    }

    @SuppressWarnings("unchecked")
    private static <P extends org.reactivestreams.Publisher<?>> P withCall(P publisher, String tenantId, String callSid) {
        Call call = new Call(tenantId, callSid);
        if (publisher instanceof Mono<?> mono) {
            return (P) mono.contextWrite(context -> context.put(KEY, call));
        }
        if (publisher instanceof Flux<?> flux) {
            return (P) flux.contextWrite(context -> context.put(KEY, call));
        }
        throw new IllegalArgumentException("not a Mono or Flux: " + publisher.getClass());
    }

    /** Adds the call to a Reactor context (for {@code contextWrite} chains that put more than the call). */
    public static Context put(Context context, String tenantId, String callSid) {
        return context.put(KEY, new Call(tenantId, callSid));
    }

    /** The call a pipeline was tagged with, if any. */
    public static Call of(ContextView context) {
        return context.getOrDefault(KEY, null);
    }

    /**
     * Puts the call into the MDC of this thread until closed, then restores what the thread had before (for
     * imperative code; pipelines use {@link #forCall}).
     */
    public static Scope open(String tenantId, String callSid) {
        Call previous = CURRENT.get();
        apply(new Call(tenantId, callSid));
        return () -> apply(previous);
    }

    /** What {@link #open} returns: closing it restores the thread's previous call. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    private static final ThreadLocal<Call> CURRENT = new ThreadLocal<>();

    /** Makes {@code call} (null: none) the thread's call, touching the MDC only when it changes. */
    private static void apply(Call call) {
        Call current = CURRENT.get();
        if (call == current || (call != null && call.equals(current))) {
            return;
        }
        if (call == null) {
            CURRENT.remove();
            MDC.remove(CALL_SID);
            MDC.remove(TENANT_ID);
            return;
        }
        CURRENT.set(call);
        putOrRemove(CALL_SID, call.callSid());
        putOrRemove(TENANT_ID, call.tenantId());
    }

    @Override
    public Object key() {
        return KEY;
    }

    @Override
    public Call getValue() {
        return CURRENT.get();
    }

    @Override
    public void setValue(Call call) {
        apply(call);
    }

    @Override
    public void setValue() {
        apply(null);
    }

    private static void putOrRemove(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
