package dev.voiceagent.gateway;

import dev.voiceagent.support.VoiceService;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Entry point of the gateway-service. */
@SpringBootApplication
@VoiceService(name = "gateway-service", port = 8080, schema = "gateway")
public class GatewayApplication {

    public static void main(String[] args) {
        SpringApplication.run(GatewayApplication.class, args);
    }
}
