package dev.voiceagent.testkit.twilio;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Computes {@code X-Twilio-Signature} exactly as Twilio does (and as {@code RequestValidator} checks it). */
public final class TwilioSignatures {

    private TwilioSignatures() {
    }

    /** Base64(HMAC-SHA1(authToken, url + each form parameter name and value, sorted by name)). */
    public static String sign(String authToken, String url, Map<String, String> formParams) {
        StringBuilder data = new StringBuilder(url);
        new TreeMap<>(formParams).forEach((name, value) -> data.append(name).append(value));
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is unavailable", e);
        }
    }
}
