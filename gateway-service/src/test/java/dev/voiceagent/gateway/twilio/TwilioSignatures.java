package dev.voiceagent.gateway.twilio;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;

/** Signs requests as Twilio does (the SDK only validates); checked against the SDK's RequestValidator. */
public final class TwilioSignatures {

    private TwilioSignatures() {
    }

    public static String sign(String authToken, String url, Map<String, String> params) {
        StringBuilder data = new StringBuilder(url);
        new TreeMap<>(params).forEach((name, value) -> data.append(name).append(value));
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Posts {@code params} as Twilio does: a form to {@code path}, signed for the public URL {@code baseUrl + path}. */
    public static WebTestClient.ResponseSpec postSigned(WebTestClient client, String authToken, String baseUrl,
                                                        String path, Map<String, String> params) {
        return client.post().uri(path).contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .header("X-Twilio-Signature", sign(authToken, baseUrl + path, params))
                .body(BodyInserters.fromFormData(form(params)))
                .exchange();
    }

    /** {@code params} as form fields. */
    public static MultiValueMap<String, String> form(Map<String, String> params) {
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        params.forEach(form::add);
        return form;
    }

    public static String bodySha256(String body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
