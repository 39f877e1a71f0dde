package dev.voiceagent.tools.lookup;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Hashes and checks accounts' verification PINs. A PIN is stored only as a salted PBKDF2-HMAC-SHA256 hash
 * ({@code pbkdf2-sha256$iterations$salt$hash}, Base64), so a database dump or a log line never shows it; hashing is
 * deliberately slow CPU work, so both operations run on {@code boundedElastic}, never on the event loop. A 4-8 digit
 * PIN stays guessable offline from its hash whatever the cost; the iteration count is a compromise with an upload of
 * 10,000 accounts, and the hash's main job is that no PIN is readable in storage.
 */
final class VerificationPins {

    /** What the admin upload accepts as a PIN. */
    static final Pattern FORMAT = Pattern.compile("[0-9]{4,8}");

    private static final String SCHEME = "pbkdf2-sha256";
    private static final String ALGORITHM = "PBKDF2WithHmacSHA256";
    private static final int ITERATIONS = 20_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Checked against when an account has no PIN, so that the answer takes as long as a real check. */
    private static final String NO_PIN = hashNow("00000000");

    private VerificationPins() {
    }

    /** The stored form of {@code pin}, computed off the event loop. */
    static Mono<String> hash(String pin) {
        return Mono.fromCallable(() -> hashNow(pin)).subscribeOn(Schedulers.boundedElastic());
    }

    /**
     * Whether {@code pin} is the one {@code stored} was made from; false when {@code stored} is null (an account
     * without a PIN), after the same work. The hashes are compared in constant time.
     */
    static Mono<Boolean> matches(String pin, String stored) {
        return Mono.fromCallable(() -> matchesNow(pin, stored)).subscribeOn(Schedulers.boundedElastic());
    }

    private static boolean matchesNow(String pin, String stored) {
        String[] parts = (stored == null ? NO_PIN : stored).split("\\$");
        if (parts.length != 4 || !SCHEME.equals(parts[0])) {
            return false;
        }
        byte[] expected = Base64.getDecoder().decode(parts[3]);
        byte[] actual = derive(pin == null ? "" : pin, Base64.getDecoder().decode(parts[2]),
                Integer.parseInt(parts[1]));
        return MessageDigest.isEqual(expected, actual) && stored != null && pin != null;
    }

    private static String hashNow(String pin) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        Base64.Encoder base64 = Base64.getEncoder();
        return SCHEME + "$" + ITERATIONS + "$" + base64.encodeToString(salt) + "$"
                + base64.encodeToString(derive(pin, salt, ITERATIONS));
    }

    private static byte[] derive(String pin, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(pin.toCharArray(), salt, iterations, HASH_BITS);
        try {
            return SecretKeyFactory.getInstance(ALGORITHM).generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is part of every Java 17 runtime", e);
        } finally {
            spec.clearPassword();
        }
    }
}
