package dev.voiceagent.tools;

import dev.voiceagent.support.VoiceService;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point of the tool-executor-service. */
@SpringBootApplication
@ConfigurationPropertiesScan
@VoiceService(name = "tool-executor-service", port = 8083, schema = "tools")
public class ToolExecutorApplication {

    public static void main(String[] args) {
        SpringApplication.run(ToolExecutorApplication.class, args);
    }
}
