package dev.voiceagent.localstack;

import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Test-only: adds the in-memory {@link CapturedSpans} exporter to every service context when
 * {@code voice.test.capture-spans=true}. Boot's OpenTelemetry auto-configuration hands every {@link SpanExporter}
 * bean to its batch span processor, next to OTLP when that is configured.
 */
@AutoConfiguration
@ConditionalOnProperty(name = CapturedSpans.ENABLED_PROPERTY, havingValue = "true")
public class SpanCaptureAutoConfiguration {

    @Bean
    SpanExporter capturedSpansExporter() {
        return new CapturedSpans();
    }
}
