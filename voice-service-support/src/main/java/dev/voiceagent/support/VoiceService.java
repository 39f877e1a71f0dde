package dev.voiceagent.support;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a service's {@code @SpringBootApplication} class. Its name becomes {@code spring.application.name},
 * the config file name ({@code <name>.yml}, so that several services can share one classpath), the Kafka
 * consumer group and the trace service name; its schema is the service's own Postgres schema, migrated by
 * Flyway from {@code classpath:db/<schema>}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface VoiceService {

    /** Module name, e.g. {@code gateway-service}. */
    String name();

    /** Default HTTP port (8080 to 8085). */
    int port();

    /** Postgres schema the service owns. */
    String schema();
}
