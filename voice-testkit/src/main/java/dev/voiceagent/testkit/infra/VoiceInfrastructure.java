package dev.voiceagent.testkit.infra;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Gives a Spring test class a real Kafka broker and a real PostgreSQL: the JVM's shared broker and server
 * ({@link SharedInfrastructure}) and a fresh database for this class alone. Sets
 * {@code spring.kafka.bootstrap-servers} and {@code voice.database.*}.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface VoiceInfrastructure {
}
