package dev.voiceagent.support.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.support.VoiceService;
import dev.voiceagent.support.VoiceServiceEnvironmentPostProcessor;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.mock.env.MockPropertySource;

class ObservabilityDefaultsTest {

    @VoiceService(name = "sample-service", port = 8099, schema = "sample")
    static class SampleApplication {
    }

    @Test
    void tracesEveryCallWithW3cAndExportsOnlyWhenAskedTo() {
        StandardEnvironment env = platformDefaults(new StandardEnvironment());
        assertThat(env.getProperty("management.tracing.propagation.type")).isEqualTo("w3c");
        assertThat(env.getProperty("spring.reactor.context-propagation")).isEqualTo("auto");
        assertThat(env.getProperty("spring.kafka.template.observation-enabled")).isEqualTo("true");
        assertThat(env.getProperty("spring.kafka.listener.observation-enabled")).isEqualTo("true");
        assertThat(env.getProperty("management.tracing.export.otlp.enabled")).isEqualTo("false");
        assertThat(env.getProperty("management.opentelemetry.resource-attributes.service.name")).isEqualTo("sample-service");
    }

    @Test
    void publishesLatencyHistogramsAndNoPerInstancePercentiles() {
        StandardEnvironment env = platformDefaults(new StandardEnvironment());
        assertThat(env.getProperty("management.metrics.distribution.percentiles-histogram.http.server.requests"))
                .isEqualTo("true");
        // computed per request, per instance, and not aggregatable: percentiles come from the buckets
        assertThat(env.getProperty("management.metrics.distribution.percentiles.http.server.requests")).isNull();
        assertThat(env.getProperty("management.metrics.tags.application")).isEqualTo("sample-service");
    }

    @Test
    void jsonLogsOnlyWhenSwitchedOnAndAnExplicitFormatWins() {
        StandardEnvironment plain = platformDefaults(new StandardEnvironment());
        new StructuredLoggingEnvironmentPostProcessor().postProcessEnvironment(plain, new SpringApplication());
        assertThat(plain.getProperty("logging.structured.format.console")).isNull();

        StandardEnvironment json = new StandardEnvironment();
        json.getPropertySources().addFirst(new MockPropertySource().withProperty("voice.logging.json", "true"));
        new StructuredLoggingEnvironmentPostProcessor().postProcessEnvironment(platformDefaults(json), new SpringApplication());
        assertThat(json.getProperty("logging.structured.format.console")).isEqualTo("logstash");
        assertThat(json.getProperty("logging.structured.json.customizer"))
                .isEqualTo(MaskingJsonMembersCustomizer.class.getName());

        StandardEnvironment explicit = new StandardEnvironment();
        explicit.getPropertySources().addFirst(new MockPropertySource().withProperty("voice.logging.json", "true")
                .withProperty("logging.structured.format.console", "ecs"));
        new StructuredLoggingEnvironmentPostProcessor().postProcessEnvironment(explicit, new SpringApplication());
        assertThat(explicit.getProperty("logging.structured.format.console")).isEqualTo("ecs");
    }

    private static StandardEnvironment platformDefaults(StandardEnvironment env) {
        new VoiceServiceEnvironmentPostProcessor().postProcessEnvironment(env, new SpringApplication(SampleApplication.class));
        return env;
    }
}
