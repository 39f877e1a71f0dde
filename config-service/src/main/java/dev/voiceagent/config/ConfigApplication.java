package dev.voiceagent.config;

import dev.voiceagent.support.VoiceService;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point of the config-service. */
@SpringBootApplication
@ConfigurationPropertiesScan
@VoiceService(name = "config-service", port = 8081, schema = "config")
public class ConfigApplication {

    public static void main(String[] args) {
        SpringApplication.run(ConfigApplication.class, args);
    }
}
