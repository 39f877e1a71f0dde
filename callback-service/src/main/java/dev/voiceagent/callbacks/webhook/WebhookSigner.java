package dev.voiceagent.callbacks.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** {@code sha256=<hex HMAC-SHA256 of the exact body>} with the tenant's secret, as sent in {@code X-Voice-Signature}. */
public final class WebhookSigner {

    public static final String SIGNATURE_HEADER = "X-Voice-Signature";
    public static final String EVENT_ID_HEADER = "X-Voice-Event-Id";
    public static final String EVENT_TYPE_HEADER = "X-Voice-Event-Type";

    private WebhookSigner() {
    }

    public static String sign(String secret, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
