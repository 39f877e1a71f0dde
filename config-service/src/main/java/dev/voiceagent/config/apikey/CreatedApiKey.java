package dev.voiceagent.config.apikey;

import java.time.Instant;

/** The answer to a key creation: the only time the secret ({@code key}) is shown. */
public record CreatedApiKey(String id, String name, String prefix, String key, Instant createdAt) {

    @Override
    public String toString() {
        return "CreatedApiKey[id=" + id + ", name=" + name + ", prefix=" + prefix + "]";
    }

    ApiKey listed() {
        return new ApiKey(id, name, prefix, createdAt, false, null);
    }
}
