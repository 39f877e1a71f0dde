package dev.voiceagent.config.apikey;

import java.time.Instant;

/** A tenant API key as listed: never the secret, only an identifying prefix. */
public record ApiKey(String id, String name, String prefix, Instant createdAt, boolean revoked, Instant revokedAt) {
}
