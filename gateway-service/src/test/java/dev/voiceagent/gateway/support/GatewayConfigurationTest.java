package dev.voiceagent.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.LifecycleProcessor;
import org.springframework.context.support.AbstractApplicationContext;

/**
 * Production mode refuses to start half-secured: the real {@link GatewayConfiguration} in a bare context, its own
 * beans left lazy and its background loops unstarted (they need the database, Kafka and the web stack), so that
 * binding its settings and its startup check are all that runs.
 */
class GatewayConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withInitializer(context -> context.addBeanFactoryPostProcessor(new LazyInitializationBeanFactoryPostProcessor()))
            .withBean(LazyInitializationExcludeFilter.class,
                    () -> LazyInitializationExcludeFilter.forBeanTypes(GatewayConfiguration.class))
            .withBean(AbstractApplicationContext.LIFECYCLE_PROCESSOR_BEAN_NAME, LifecycleProcessor.class,
                    NothingStarted::new)
            .withUserConfiguration(GatewayConfiguration.class);

    /** Starts no lifecycle bean: the heartbeat, the outbox relay and the senders would each need a database. */
    private static final class NothingStarted implements LifecycleProcessor {
        private boolean running;

        @Override
        public void onRefresh() {
            running = true;
        }

        @Override
        public void onClose() {
            running = false;
        }

        @Override
        public void start() {
            running = true;
        }

        @Override
        public void stop() {
            running = false;
        }

        @Override
        public boolean isRunning() {
            return running;
        }
    }

    @Test
    void productionWithoutATwilioAuthTokenRefusesToStart() {
        runner.withPropertyValues("voice.gateway.mode=production", "voice.gateway.media-token-secrets=secret")
                .run(context -> assertThat(context).getFailure()
                        .rootCause()
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("voice.gateway.mode=production requires voice.twilio.auth-token"));
    }

    @Test
    void productionWithABlankTwilioAuthTokenRefusesToStart() {
        runner.withPropertyValues("voice.gateway.mode=Production", "voice.twilio.auth-token=  ",
                        "voice.gateway.media-token-secrets=secret")
                .run(context -> assertThat(context).getFailure()
                        .rootCause()
                        .hasMessageContaining("requires voice.twilio.auth-token"));
    }

    @Test
    void productionWithoutAMediaTokenSecretRefusesToStart() {
        runner.withPropertyValues("voice.gateway.mode=production", "voice.twilio.auth-token=token")
                .run(context -> assertThat(context).getFailure()
                        .rootCause()
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("voice.gateway.mode=production requires voice.gateway.media-token-secrets"));
    }

    @Test
    void productionWithBothSecretsStarts() {
        runner.withPropertyValues("voice.gateway.mode=production", "voice.twilio.auth-token=token",
                        "voice.gateway.media-token-secrets=current,previous")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(GatewayConfiguration.class);
                    assertThat(context.getBean(GatewayProperties.class).mediaTokenSecrets())
                            .containsExactly("current", "previous");
                });
    }

    @Test
    void developmentWithoutSecretsStartsAndRefusesWebhooksInstead() {
        runner.run(context -> assertThat(context).hasNotFailed().hasSingleBean(GatewayConfiguration.class));
    }
}
