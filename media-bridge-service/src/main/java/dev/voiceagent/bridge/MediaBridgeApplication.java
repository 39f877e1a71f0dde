package dev.voiceagent.bridge;

import dev.voiceagent.support.VoiceService;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Entry point of the media-bridge-service. */
@SpringBootApplication
@VoiceService(name = "media-bridge-service", port = 8082, schema = "bridge")
public class MediaBridgeApplication {

    public static void main(String[] args) {
        SpringApplication.run(MediaBridgeApplication.class, args);
    }
}
