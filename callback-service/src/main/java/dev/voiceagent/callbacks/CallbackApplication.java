package dev.voiceagent.callbacks;

import dev.voiceagent.support.VoiceService;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point of the callback-service. */
@SpringBootApplication
@ConfigurationPropertiesScan
@VoiceService(name = "callback-service", port = 8085, schema = "callbacks")
public class CallbackApplication {

    public static void main(String[] args) {
        SpringApplication.run(CallbackApplication.class, args);
    }
}
