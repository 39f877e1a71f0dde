package dev.voiceagent.localstack;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Keeps the spans every service context of this JVM exports, so that an end-to-end test can check one call's
 * trace across services. Registered by {@link SpanCaptureAutoConfiguration} only when a test asks for it.
 */
final class CapturedSpans implements SpanExporter {

    static final String ENABLED_PROPERTY = "voice.test.capture-spans";

    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final List<SpanData> SPANS = new CopyOnWriteArrayList<>();

    /** One finished span, reduced to what the assertions need. */
    record Captured(String service, String name, String kind, String traceId, String spanId, String parentSpanId) {
    }

    static List<Captured> all() {
        return SPANS.stream().map(CapturedSpans::reduce).toList();
    }

    static List<Captured> inTrace(String traceId) {
        return all().stream().filter(span -> span.traceId().equals(traceId)).toList();
    }

    static void clear() {
        SPANS.clear();
    }

    private static Captured reduce(SpanData span) {
        return new Captured(span.getResource().getAttribute(SERVICE_NAME), span.getName(), span.getKind().name(),
                span.getTraceId(), span.getSpanId(), span.getParentSpanId());
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        SPANS.addAll(spans);
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
