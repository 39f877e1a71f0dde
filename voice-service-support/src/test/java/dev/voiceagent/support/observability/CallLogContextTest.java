package dev.voiceagent.support.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.scheduler.Schedulers;

class CallLogContextTest {

    private final CallLogContext accessor = new CallLogContext();

    @AfterEach
    void clear() {
        accessor.setValue();
        MDC.clear();
    }

    @Test
    void openPutsTheCallIntoTheMdcAndCloseRestoresThePreviousOne() {
        try (CallLogContext.Scope outer = CallLogContext.open("acme", "CA1")) {
            assertThat(MDC.get(CallLogContext.CALL_SID)).isEqualTo("CA1");
            try (CallLogContext.Scope inner = CallLogContext.open("globex", "CA2")) {
                assertThat(MDC.get(CallLogContext.CALL_SID)).isEqualTo("CA2");
                assertThat(MDC.get(CallLogContext.TENANT_ID)).isEqualTo("globex");
                assertThat(accessor.getValue()).isEqualTo(new CallLogContext.Call("globex", "CA2"));
            }
            assertThat(MDC.get(CallLogContext.CALL_SID)).isEqualTo("CA1");
            assertThat(MDC.get(CallLogContext.TENANT_ID)).isEqualTo("acme");
        }
        assertThat(MDC.get(CallLogContext.CALL_SID)).isNull();
        assertThat(MDC.get(CallLogContext.TENANT_ID)).isNull();
        assertThat(accessor.getValue()).isNull();
    }

    @Test
    void theAccessorReadsAndWritesTheSameCallTheMdcShows() {
        accessor.setValue(new CallLogContext.Call("acme", "CA1"));
        assertThat(accessor.getValue()).isEqualTo(new CallLogContext.Call("acme", "CA1"));
        assertThat(MDC.get(CallLogContext.CALL_SID)).isEqualTo("CA1");

        // the same call again (what propagation does on every signal of one pipeline) leaves the MDC as it is
        MDC.put("other", "kept");
        accessor.setValue(new CallLogContext.Call("acme", "CA1"));
        assertThat(MDC.getCopyOfContextMap()).containsEntry(CallLogContext.CALL_SID, "CA1").containsEntry("other", "kept");

        accessor.setValue(new CallLogContext.Call(null, "CA2"));
        assertThat(MDC.get(CallLogContext.CALL_SID)).isEqualTo("CA2");
        assertThat(MDC.get(CallLogContext.TENANT_ID)).isNull();

        accessor.setValue();
        assertThat(accessor.getValue()).isNull();
        assertThat(MDC.get(CallLogContext.CALL_SID)).isNull();
        assertThat(MDC.get("other")).isEqualTo("kept");
    }

    @Test
    void aTaggedPipelineLogsItsCallOnEveryThreadAndLeavesNoTraceBehind() {
        Hooks.enableAutomaticContextPropagation();
        try {
            List<String> seen = new CopyOnWriteArrayList<>();
            Flux.range(0, 20)
                    .publishOn(Schedulers.parallel())
                    .doOnNext(i -> seen.add(MDC.get(CallLogContext.CALL_SID) + "/" + MDC.get(CallLogContext.TENANT_ID)))
                    .transform(CallLogContext.forCall("acme", "CA7"))
                    .blockLast(Duration.ofSeconds(5));

            assertThat(seen).hasSize(20).containsOnly("CA7/acme");
            assertThat(MDC.get(CallLogContext.CALL_SID)).as("the subscribing thread is left as it was").isNull();
        } finally {
            Hooks.disableAutomaticContextPropagation();
        }
    }
}
