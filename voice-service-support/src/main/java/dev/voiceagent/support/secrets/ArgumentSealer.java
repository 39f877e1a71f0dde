package dev.voiceagent.support.secrets;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals a secret a caller gives (an account PIN) for its trip through Kafka from the media bridge to the tool
 * executor, so that the topic, its dead-letter topic and anyone granted to read them hold no PIN in plain text for the
 * broker's retention. AES-256-GCM under keys both services share ({@code voice.tool-secrets.keys}, base64 of 32
 * bytes each; the first seals, every one opens, so a key is rotated by putting the new one first everywhere, then
 * dropping the old one once the topic's retention has passed).
 * <p>
 * A sealed value is {@code sealed:v1:<key id>:<base64url(nonce || ciphertext and tag)>}, the key id being the first 8
 * hex digits of the key's SHA-256. The binding (tenant, call and tool call) is authenticated with it, so a sealed
 * value copied into another request does not open. Sealing reads no file and takes no lock (its random source is
 * seeded once, here), so it may run anywhere.
 */
public final class ArgumentSealer {

    public static final String PREFIX = "sealed:v1:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final String sealingKeyId;
    private final Map<String, SecretKeySpec> keys;
    private final SecureRandom random;

    private ArgumentSealer(Map<String, SecretKeySpec> keys) {
        this.keys = keys;
        this.sealingKeyId = keys.isEmpty() ? null : keys.keySet().iterator().next();
        try {
            this.random = SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("DRBG is part of every Java 17 runtime", e);
        }
        random.nextBytes(new byte[NONCE_BYTES]);
    }

    /** A sealer with these keys (base64, 32 bytes each; blank entries ignored); without any, {@link #enabled()} is false. */
    public static ArgumentSealer of(List<String> base64Keys) {
        Map<String, SecretKeySpec> keys = new LinkedHashMap<>();
        for (String encoded : base64Keys == null ? List.<String>of() : base64Keys) {
            if (encoded == null || encoded.isBlank()) {
                continue;
            }
            byte[] key;
            try {
                key = Base64.getDecoder().decode(encoded.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("voice.tool-secrets.keys: a key is not base64 (make one with "
                        + "`openssl rand -base64 32`)");
            }
            if (key.length != 32) {
                throw new IllegalArgumentException("voice.tool-secrets.keys: a key must be 32 bytes, not " + key.length
                        + " (make one with `openssl rand -base64 32`)");
            }
            keys.putIfAbsent(keyId(key), new SecretKeySpec(key, "AES"));
        }
        return new ArgumentSealer(keys);
    }

    /** Whether there is a key to seal with. */
    public boolean enabled() {
        return sealingKeyId != null;
    }

    /** Whether {@code value} is in the sealed form (whether or not it opens). */
    public static boolean isSealed(Object value) {
        return value instanceof String text && text.startsWith(PREFIX);
    }

    /** The binding of a value to one tool call of one call of one tenant. */
    public static String binding(String tenantId, String callSid, String toolCallId) {
        return tenantId + "/" + callSid + "/" + toolCallId;
    }

    /** {@code secret} sealed under the first key for {@code binding}. */
    public String seal(String secret, String binding) {
        if (!enabled()) {
            throw new IllegalStateException("no voice.tool-secrets.keys to seal with");
        }
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, keys.get(sealingKeyId), nonce, binding);
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[nonce.length + sealed.length];
            System.arraycopy(nonce, 0, out, 0, nonce.length);
            System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
            return PREFIX + sealingKeyId + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every Java 17 runtime", e);
        }
    }

    /**
     * The secret in {@code sealed}; empty when it is not a sealed value, was sealed under a key this sealer does not
     * have, for another binding, or was altered.
     */
    public Optional<String> open(Object sealed, String binding) {
        if (!isSealed(sealed)) {
            return Optional.empty();
        }
        String rest = ((String) sealed).substring(PREFIX.length());
        int colon = rest.indexOf(':');
        SecretKeySpec key = colon < 0 ? null : keys.get(rest.substring(0, colon));
        if (key == null) {
            return Optional.empty();
        }
        try {
            byte[] in = Base64.getUrlDecoder().decode(rest.substring(colon + 1));
            if (in.length <= NONCE_BYTES) {
                return Optional.empty();
            }
            byte[] nonce = java.util.Arrays.copyOf(in, NONCE_BYTES);
            Cipher cipher = cipher(Cipher.DECRYPT_MODE, key, nonce, binding);
            byte[] plain = cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES);
            return Optional.of(new String(plain, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    private static Cipher cipher(int mode, SecretKeySpec key, byte[] nonce, String binding)
            throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(binding.getBytes(StandardCharsets.UTF_8));
        return cipher;
    }

    private static String keyId(byte[] key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key), 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java 17 runtime", e);
        }
    }

    @Override
    public String toString() {
        return "ArgumentSealer[keys=" + keys.size() + "]";
    }
}
