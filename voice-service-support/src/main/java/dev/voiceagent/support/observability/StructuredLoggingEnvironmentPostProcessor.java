package dev.voiceagent.support.observability;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Switches the console to Boot's structured JSON logs when {@code voice.logging.json=true}: Logstash-shaped lines
 * carrying {@code traceId}, {@code spanId}, {@code call_sid} and {@code tenant_id} from the MDC, the service name,
 * and phone numbers and secret-looking fields masked by {@link MaskingJsonMembersCustomizer}.
 *
 * <p>Runs after the config files are read (so the switch may sit in a service's yml, the environment or the
 * command line) and before logging is initialised. Its source sits last: an explicit
 * {@code logging.structured.format.console} still wins.
 */
public class StructuredLoggingEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    public static final String ENABLED_PROPERTY = "voice.logging.json";
    static final String SOURCE_NAME = "voiceStructuredLogging";

    @Override
    public int getOrder() {
        // after ConfigDataEnvironmentPostProcessor (HIGHEST_PRECEDENCE + 10); logging starts after all of these
        return Ordered.LOWEST_PRECEDENCE - 10;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        environment.getPropertySources().remove(SOURCE_NAME);
        if (environment.getProperty(ENABLED_PROPERTY, Boolean.class, false)) {
            environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME, jsonLogging()));
        }
    }

    static Map<String, Object> jsonLogging() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("logging.structured.format.console", "logstash");
        p.put("logging.structured.json.customizer", MaskingJsonMembersCustomizer.class.getName());
        p.put("logging.structured.json.add.service", "${spring.application.name:unknown}");
        return p;
    }
}
