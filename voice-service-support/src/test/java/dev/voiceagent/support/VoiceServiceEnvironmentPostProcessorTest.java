package dev.voiceagent.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.mock.env.MockPropertySource;

class VoiceServiceEnvironmentPostProcessorTest {

    @VoiceService(name = "sample-service", port = 8099, schema = "sample")
    static class SampleApplication {
    }

    static class PlainApplication {
    }

    @Test
    void derivesIdentityPortSchemaAndHealthGroupsFromTheAnnotation() {
        StandardEnvironment env = new StandardEnvironment();
        new VoiceServiceEnvironmentPostProcessor().postProcessEnvironment(env, new SpringApplication(SampleApplication.class));
        assertThat(env.getProperty("spring.application.name")).isEqualTo("sample-service");
        assertThat(env.getProperty("spring.config.name")).isEqualTo("sample-service");
        assertThat(env.getProperty("server.port")).isEqualTo("8099");
        assertThat(env.getProperty("spring.flyway.locations")).isEqualTo("classpath:db/sample");
        assertThat(env.getProperty("spring.r2dbc.url")).isEqualTo("r2dbc:postgresql://localhost:5432/voice?schema=sample");
        assertThat(env.getProperty("spring.kafka.consumer.group-id")).isEqualTo("sample-service");
        assertThat(env.getProperty("management.endpoint.health.group.ready.include")).contains("readinessState");
        assertThat(env.getProperty("management.endpoints.web.path-mapping.prometheus")).isEqualTo("metrics");
    }

    @Test
    void explicitSettingsWinOverThePlatformDefaults() {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MockPropertySource()
                .withProperty("voice.database.host", "db.internal").withProperty("server.port", "9000"));
        new VoiceServiceEnvironmentPostProcessor().postProcessEnvironment(env, new SpringApplication(SampleApplication.class));
        assertThat(env.getProperty("server.port")).isEqualTo("9000");
        assertThat(env.getProperty("spring.flyway.url")).isEqualTo("jdbc:postgresql://db.internal:5432/voice");
    }

    @Test
    void leavesApplicationsWithoutTheAnnotationAlone() {
        StandardEnvironment env = new StandardEnvironment();
        new VoiceServiceEnvironmentPostProcessor().postProcessEnvironment(env, new SpringApplication(PlainApplication.class));
        assertThat(env.getProperty("spring.config.name")).isNull();
    }
}
