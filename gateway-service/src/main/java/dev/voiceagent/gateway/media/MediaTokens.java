package dev.voiceagent.gateway.media;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Mints and checks media-stream tokens: {@code base64url(claims JSON).base64url(HMAC-SHA256)}. Minted with the
 * first (current) secret, accepted with any configured secret so a rotation does not drop calls in flight.
 * Single use: a consumed token id is remembered here until it expires (the fast path) and claimed in the record
 * all instances share ({@link MediaTokenUses}).
 */
public class MediaTokens {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration PURGE_INTERVAL = Duration.ofSeconds(10);

    private final List<byte[]> secrets;
    private final Duration ttl;
    private final Clock clock;
    private final Map<String, Instant> consumed = new ConcurrentHashMap<>();
    private final AtomicReference<Instant> lastPurge;

    public MediaTokens(List<String> secrets, Duration ttl, Clock clock) {
        if (secrets.isEmpty() || secrets.stream().anyMatch(s -> s == null || s.isBlank())) {
            throw new IllegalArgumentException("at least one non-blank media token secret is required");
        }
        this.secrets = secrets.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
        this.ttl = ttl;
        this.clock = clock;
        this.lastPurge = new AtomicReference<>(clock.instant());
    }

    /** A fresh random secret, for development mode without configured secrets. */
    public static String randomSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return ENCODER.encodeToString(bytes);
    }

    public String mint(String callSid, String tenantId, String agentKey, String agentVersionId, String caller,
                       String direction) {
        return mint(callSid, tenantId, agentKey, agentVersionId, caller, direction, null);
    }

    /** As above, carrying the call's W3C traceparent (ignored when null). */
    public String mint(String callSid, String tenantId, String agentKey, String agentVersionId, String caller,
                       String direction, String traceparent) {
        byte[] id = new byte[12];
        RANDOM.nextBytes(id);
        ObjectNode claims = JSON.createObjectNode()
                .put("jti", ENCODER.encodeToString(id))
                .put("sid", callSid)
                .put("tid", tenantId)
                .put("ak", agentKey)
                .put("av", agentVersionId)
                .put("caller", caller)
                .put("dir", direction)
                .put("exp", clock.instant().plus(ttl).getEpochSecond());
        if (traceparent != null) {
            claims.put("tp", traceparent);
        }
        String payload = ENCODER.encodeToString(JSON.writeValueAsBytes(claims));
        return payload + "." + ENCODER.encodeToString(sign(secrets.get(0), payload));
    }

    /** Checks signature, expiry and call binding, then consumes the token; throws when it must not be used. */
    public MediaTokenClaims consume(String token, String callSid) {
        MediaTokenClaims claims = verify(token);
        if (!Objects.equals(claims.callSid(), callSid)) {
            throw new MediaTokenException("media token is bound to another call");
        }
        purgeExpired();
        if (consumed.putIfAbsent(claims.tokenId(), claims.expiresAt()) != null) {
            throw new MediaTokenException("media token was already used");
        }
        return claims;
    }

    /** Signature and expiry only; does not consume. */
    public MediaTokenClaims verify(String token) {
        if (token == null || token.isBlank()) {
            throw new MediaTokenException("media token missing");
        }
        int dot = token.indexOf('.');
        if (dot <= 0 || dot != token.lastIndexOf('.')) {
            throw new MediaTokenException("media token malformed");
        }
        String payload = token.substring(0, dot);
        byte[] presented = decode(token.substring(dot + 1));
        boolean signed = secrets.stream().anyMatch(secret -> MessageDigest.isEqual(sign(secret, payload), presented));
        if (!signed) {
            throw new MediaTokenException("media token signature invalid");
        }
        MediaTokenClaims claims = parse(decode(payload));
        if (!clock.instant().isBefore(claims.expiresAt())) {
            throw new MediaTokenException("media token expired");
        }
        return claims;
    }

    private static MediaTokenClaims parse(byte[] json) {
        try {
            JsonNode node = JSON.readTree(json);
            return new MediaTokenClaims(text(node, "jti"), text(node, "sid"), text(node, "tid"), text(node, "ak"),
                    text(node, "av"), text(node, "caller"), text(node, "dir"),
                    Instant.ofEpochSecond(node.path("exp").asLong()), text(node, "tp"));
        } catch (JacksonException e) {
            throw new MediaTokenException("media token malformed");
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    private static byte[] decode(String part) {
        try {
            return DECODER.decode(part);
        } catch (IllegalArgumentException e) {
            throw new MediaTokenException("media token malformed");
        }
    }

    private static byte[] sign(byte[] secret, String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(payload.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    private void purgeExpired() {
        Instant now = clock.instant();
        Instant last = lastPurge.get();
        if (now.isAfter(last.plus(PURGE_INTERVAL)) && lastPurge.compareAndSet(last, now)) {
            consumed.values().removeIf(expiry -> !now.isBefore(expiry));
        }
    }
}
