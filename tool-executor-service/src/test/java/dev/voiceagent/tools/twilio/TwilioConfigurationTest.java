package dev.voiceagent.tools.twilio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.voiceagent.tools.execution.ToolExecutorProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;

/**
 * The Twilio tools' timeout covers a Twilio request with its retries: a tool cut off earlier could be answered "failed"
 * while its transfer or text is still made. The real {@link TwilioConfiguration} over the shipped settings.
 */
class TwilioConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withInitializer(TwilioConfigurationTest::shippedSettings)
            .withUserConfiguration(Settings.class, TwilioConfiguration.class);

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({TwilioProperties.class, ToolExecutorProperties.class})
    static class Settings {
    }

    @Test
    void theShippedToolTimeoutCoversThreeTwilioAttemptsAndTheirBackOffs() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            Duration twilio = context.getBean(TwilioProperties.class).timeout();
            // 1.5 s for each of three attempts, and back-offs of at most 150 ms and 300 ms between them
            assertThat(context.getBean(ToolExecutorProperties.class).twilioTimeout())
                    .isGreaterThanOrEqualTo(twilio.multipliedBy(3).plusMillis(450));
        });
    }

    @Test
    void aTwilioTimeoutWhoseRetriesOutlastTheToolTimeoutFailsTheStart() {
        runner.withPropertyValues("voice.twilio.timeout=2s")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("voice.tools.twilio-timeout (PT5S) is shorter than a Twilio request may "
                                + "take (PT6.45S")
                        .hasMessageContaining("Raise voice.tools.twilio-timeout to at least PT6.45S"));
    }

    @Test
    void aToolTimeoutShorterThanTheTwilioBudgetFailsTheStart() {
        runner.withPropertyValues("voice.tools.twilio-timeout=2s")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("voice.tools.twilio-timeout (PT2S) is shorter than a Twilio request may "
                                + "take (PT4.95S"));
    }

    @Test
    void aToolTimeoutEqualToTheBudgetIsEnough() {
        TwilioConfiguration.requireToolTimeoutCoversTwilio(Duration.ofMillis(4950), Duration.ofMillis(1500));
        assertThatThrownBy(() -> TwilioConfiguration.requireToolTimeoutCoversTwilio(Duration.ofMillis(4949),
                Duration.ofMillis(1500))).isInstanceOf(IllegalStateException.class);
    }

    private static void shippedSettings(ConfigurableApplicationContext context) {
        try {
            new YamlPropertySourceLoader().load("tool-executor-service.yml",
                            new ClassPathResource("tool-executor-service.yml"))
                    .forEach(source -> context.getEnvironment().getPropertySources().addLast(source));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
