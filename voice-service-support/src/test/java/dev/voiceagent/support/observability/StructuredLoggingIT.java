package dev.voiceagent.support.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/** Boots a bare application with {@code voice.logging.json=true} and reads back what it wrote to the console. */
@ExtendWith(OutputCaptureExtension.class)
class StructuredLoggingIT {

    private static final Logger log = LoggerFactory.getLogger(StructuredLoggingIT.class);

    @Configuration(proxyBeanMethods = false)
    static class Bare {
    }

    private ConfigurableApplicationContext context;

    @BeforeEach
    void start() {
        Hooks.enableAutomaticContextPropagation();
        SpringApplication app = new SpringApplication(Bare.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        context = app.run("--voice.logging.json=true", "--spring.application.name=sample-service",
                "--spring.main.banner-mode=off");
    }

    @AfterEach
    void stop() {
        context.close();
        Hooks.disableAutomaticContextPropagation();
    }

    @Test
    void writesOneJsonObjectPerLineWithCallTraceAndMaskedNumbers(CapturedOutput output) {
        Mono.fromRunnable(() -> log.info("dialling +15555550100 for {}", "+442071838750"))
                .subscribeOn(Schedulers.boundedElastic())
                .transform(CallLogContext.forCall("demo", "CA0123456789abcdef0123456789abcdef"))
                .block(Duration.ofSeconds(5));

        Map<String, Object> json = jsonLine(output, "dialling");
        assertThat(json).containsKeys("@timestamp", "level", "logger_name", "thread_name")
                .containsEntry("message", "dialling +1********00 for +4*********50")
                .containsEntry("service", "sample-service")
                .containsEntry("call_sid", "CA0123456789abcdef0123456789abcdef")
                .containsEntry("tenant_id", "demo");
        assertThat(output.getOut()).doesNotContain("5555550100");
    }

    @Test
    void carriesTraceIdsAndRedactsSecretLookingFields(CapturedOutput output) {
        // what Micrometer Tracing puts into the MDC while a span is in scope
        MDC.put("traceId", "4bf92f3577b34da6a3ce929d0e0e4736");
        MDC.put("spanId", "00f067aa0ba902b7");
        MDC.put("media_token", "eyJhbGciOi.secret.value");
        try (var call = CallLogContext.open("demo", "CA1")) {
            log.info("relaying media");
        } finally {
            MDC.clear();
        }

        Map<String, Object> json = jsonLine(output, "relaying media");
        assertThat(json).containsEntry("traceId", "4bf92f3577b34da6a3ce929d0e0e4736")
                .containsEntry("spanId", "00f067aa0ba902b7")
                .containsEntry("call_sid", "CA1")
                .containsEntry("tenant_id", "demo")
                .containsEntry("media_token", MaskingJsonMembersCustomizer.REDACTED);
        assertThat(output.getOut()).doesNotContain("secret.value");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> jsonLine(CapturedOutput output, String containing) {
        String line = output.getOut().lines().filter(l -> l.contains(containing)).findFirst().orElseThrow();
        return JsonMapper.builder().build().readValue(line, Map.class);
    }
}
