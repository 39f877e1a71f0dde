package dev.voiceagent.testkit.reactor;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A value of a Reactor context whose thread-local is counted each time automatic context propagation sets it on a
 * thread or clears it there. Put {@link #key()} into a pipeline's context, run frames through it, and the counts
 * say how often each frame paid for a restore: the frame paths are meant to pay for none.
 *
 * <pre>{@code
 * try (CountedContextValue value = CountedContextValue.register("my-test")) {
 *     StepVerifier.create(flux, StepVerifierOptions.create().withInitialContext(Context.of(value.key(), "x"))) ...
 *     assertThat(value.sets()).isZero();
 * }
 * }</pre>
 *
 * Closing it removes the accessor from the global {@link ContextRegistry}.
 */
public final class CountedContextValue implements ThreadLocalAccessor<String>, AutoCloseable {

    private final String key;
    private final ThreadLocal<String> value = new ThreadLocal<>();
    private final AtomicInteger sets = new AtomicInteger();
    private final AtomicInteger clears = new AtomicInteger();

    private CountedContextValue(String key) {
        this.key = key;
    }

    /** A counted value under {@code key}, registered with the global {@link ContextRegistry} until closed. */
    public static CountedContextValue register(String key) {
        CountedContextValue counted = new CountedContextValue(key);
        ContextRegistry.getInstance().registerThreadLocalAccessor(counted);
        return counted;
    }

    @Override
    public String key() {
        return key;
    }

    /** How often the value was set on a thread from a context that holds it. */
    public int sets() {
        return sets.get();
    }

    /** How often it was cleared on a thread for a context that does not hold it. */
    public int clears() {
        return clears.get();
    }

    @Override
    public String getValue() {
        return value.get();
    }

    @Override
    public void setValue(String newValue) {
        sets.incrementAndGet();
        value.set(newValue);
    }

    @Override
    public void setValue() {
        clears.incrementAndGet();
        value.remove();
    }

    @Override
    public void close() {
        ContextRegistry.getInstance().removeThreadLocalAccessor(key);
    }
}
