package dev.voiceagent.gateway.twilio;

import dev.voiceagent.gateway.support.RequestBodies;
import dev.voiceagent.support.Problems;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads a Twilio webhook (form or JSON), verifies its signature and yields its parameters. */
public class TwilioWebhookReader {

    private static final Pattern CALL_SID = Pattern.compile("[A-Za-z0-9]{2,64}");

    private final TwilioSignatureVerifier verifier;
    private final JsonMapper json;
    private final int maxBytes;

    public TwilioWebhookReader(TwilioSignatureVerifier verifier, JsonMapper json, int maxBytes) {
        this.verifier = verifier;
        this.json = json;
        this.maxBytes = maxBytes;
    }

    /** The verified parameters; errors are 403 (unsigned), 400 (malformed), 413 or 415 problems. */
    public Mono<Map<String, String>> read(ServerRequest request) {
        MediaType type;
        try {
            type = request.headers().contentType().orElse(MediaType.APPLICATION_FORM_URLENCODED);
        } catch (InvalidMediaTypeException e) {
            // an unparseable Content-Type is the client's error (415), not ours
            return Mono.error(unsupportedMediaType());
        }
        return RequestBodies.readUtf8(request, maxBytes).map(body -> verified(request, type, body));
    }

    private Map<String, String> verified(ServerRequest request, MediaType type, String body) {
        if (MediaType.APPLICATION_FORM_URLENCODED.isCompatibleWith(type)) {
            Map<String, String> params = RequestBodies.parseForm(body);
            verifier.verifyForm(request, params);
            return params;
        }
        if (MediaType.APPLICATION_JSON.isCompatibleWith(type)) {
            verifier.verifyJson(request, body);
            return jsonParams(body);
        }
        throw unsupportedMediaType();
    }

    private static RuntimeException unsupportedMediaType() {
        return Problems.of(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type",
                "Twilio webhooks are application/x-www-form-urlencoded or application/json.");
    }

    private Map<String, String> jsonParams(String body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            throw Problems.badRequest("The JSON body could not be parsed.");
        }
        if (root == null || !root.isObject()) {
            throw Problems.badRequest("The JSON body must be an object.");
        }
        Map<String, String> params = new LinkedHashMap<>();
        root.properties().forEach(field -> params.put(field.getKey(),
                field.getValue().isValueNode() ? field.getValue().asString() : field.getValue().toString()));
        return params;
    }

    /** A required parameter, 400 naming it when absent. */
    /**
     * The {@code CallSid} of a webhook: Twilio's are {@code CA} and 32 hex digits; anything not a short alphanumeric
     * id is refused before it reaches a query (an oversized one would not even fit the call log's key index).
     */
    public static String callSid(Map<String, String> params) {
        String sid = required(params, "CallSid");
        if (!CALL_SID.matcher(sid).matches()) {
            throw Problems.invalidField("CallSid", "is not a call SID");
        }
        return sid;
    }

    public static String required(Map<String, String> params, String name) {
        String value = params.get(name);
        if (value == null || value.isBlank()) {
            throw Problems.invalidField(name, "is required");
        }
        return value;
    }
}
