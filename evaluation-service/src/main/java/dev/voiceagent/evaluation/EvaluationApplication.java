package dev.voiceagent.evaluation;

import dev.voiceagent.support.VoiceService;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point of the evaluation-service. */
@SpringBootApplication
@ConfigurationPropertiesScan
@VoiceService(name = "evaluation-service", port = 8084, schema = "evaluation")
public class EvaluationApplication {

    public static void main(String[] args) {
        SpringApplication.run(EvaluationApplication.class, args);
    }
}
