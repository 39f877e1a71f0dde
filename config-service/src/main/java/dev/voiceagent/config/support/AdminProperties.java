package dev.voiceagent.config.support;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** The admin API key ({@code voice.admin-key}); when it is not set the admin API does not exist (404). */
@ConfigurationProperties("voice")
public record AdminProperties(String adminKey) {

    public boolean adminEnabled() {
        return adminKey != null && !adminKey.isBlank();
    }

    @Override
    public String toString() {
        return "AdminProperties[adminKey=" + (adminEnabled() ? "***" : "unset") + "]";
    }
}
