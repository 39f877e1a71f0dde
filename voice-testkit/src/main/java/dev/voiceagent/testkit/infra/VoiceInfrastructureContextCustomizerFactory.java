package dev.voiceagent.testkit.infra;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.test.context.TestContextAnnotationUtils;

/** Wires {@link VoiceInfrastructure} into the Spring TestContext framework. */
public class VoiceInfrastructureContextCustomizerFactory implements ContextCustomizerFactory {

    @Override
    public ContextCustomizer createContextCustomizer(Class<?> testClass,
                                                     List<ContextConfigurationAttributes> configAttributes) {
        if (!TestContextAnnotationUtils.hasAnnotation(testClass, VoiceInfrastructure.class)) {
            return null;
        }
        return new Customizer(testClass);
    }

    /** Keyed by test class, so each class gets its own context and its own database. */
    private static final class Customizer implements ContextCustomizer {

        private final Class<?> testClass;

        Customizer(Class<?> testClass) {
            this.testClass = testClass;
        }

        @Override
        public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
            Map<String, Object> properties = new LinkedHashMap<>();
            properties.put("spring.kafka.bootstrap-servers", SharedInfrastructure.kafka());
            properties.putAll(SharedInfrastructure.freshDatabase(testClass.getSimpleName()).serviceProperties());
            context.getEnvironment().getPropertySources()
                    .addFirst(new MapPropertySource("voiceInfrastructure", properties));
            // a default a test may override: the key the bridge seals PINs with and the executor opens them with
            context.getEnvironment().getPropertySources().addLast(new MapPropertySource("voiceInfrastructureDefaults",
                    Map.of("voice.tool-secrets.keys", SharedInfrastructure.toolSecretsKey())));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Customizer c && c.testClass == testClass;
        }

        @Override
        public int hashCode() {
            return Objects.hash(testClass);
        }
    }
}
