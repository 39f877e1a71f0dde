package dev.voiceagent.gateway.twilio;

import com.twilio.security.RequestValidator;
import dev.voiceagent.support.Problems;
import java.net.URISyntaxException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * Checks {@code X-Twilio-Signature} with the Twilio SDK's {@link RequestValidator} against the URL Twilio signed:
 * form posts over their parameters, JSON posts over the URL's {@code bodySHA256} and the raw body. Without an
 * auth token every webhook is refused (fail closed).
 */
public class TwilioSignatureVerifier {

    public static final String SIGNATURE_HEADER = "X-Twilio-Signature";
    private static final Logger log = LoggerFactory.getLogger(TwilioSignatureVerifier.class);

    private final RequestValidator validator;
    private final SignedUrlResolver urls;

    public TwilioSignatureVerifier(String authToken, SignedUrlResolver urls) {
        this.validator = authToken == null || authToken.isBlank() ? null : new RequestValidator(authToken);
        this.urls = urls;
    }

    /** Throws a 403 problem unless the form post is signed. */
    public void verifyForm(ServerRequest request, Map<String, String> params) {
        String url = signedUrl(request);
        String signature = signature(request);
        if (!validator.validate(url, params, signature)) {
            throw rejected(request, "signature does not match");
        }
    }

    /** Throws a 403 problem unless the JSON post (URL carrying {@code bodySHA256}) is signed. */
    public void verifyJson(ServerRequest request, String rawBody) {
        String url = signedUrl(request);
        String signature = signature(request);
        if (!url.contains("bodySHA256=")) {
            throw rejected(request, "JSON webhook without bodySHA256");
        }
        try {
            if (!validator.validate(url, rawBody, signature)) {
                throw rejected(request, "signature or body hash does not match");
            }
        } catch (URISyntaxException e) {
            throw rejected(request, "unparseable URL");
        }
    }

    private String signedUrl(ServerRequest request) {
        var uri = request.exchange().getRequest().getURI();
        return urls.resolve(uri.getRawPath(), uri.getRawQuery(), request.headers().asHttpHeaders(),
                request.remoteAddress().orElse(null));
    }

    private String signature(ServerRequest request) {
        if (validator == null) {
            throw rejected(request, "no Twilio auth token configured");
        }
        String signature = request.headers().firstHeader(SIGNATURE_HEADER);
        if (signature == null || signature.isBlank()) {
            throw rejected(request, "missing " + SIGNATURE_HEADER);
        }
        return signature;
    }

    private static RuntimeException rejected(ServerRequest request, String why) {
        log.warn("rejected Twilio webhook {}: {}", request.path(), why);
        return Problems.forbidden("The request is not signed by Twilio.");
    }
}
