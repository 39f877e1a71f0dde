package dev.voiceagent.gateway.twilio;

import dev.voiceagent.gateway.support.RequestBodies;
import dev.voiceagent.support.Problems;
import java.util.LinkedHashMap;
import java.util.Map;
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
    public static String required(Map<String, String> params, String name) {
        String value = params.get(name);
        if (value == null || value.isBlank()) {
            throw Problems.invalidField(name, "is required");
        }
        return value;
    }
}
