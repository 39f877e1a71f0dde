package dev.voiceagent.config.runtime;

import dev.voiceagent.config.support.ConfigProperties;
import dev.voiceagent.config.support.Ids;
import dev.voiceagent.config.support.JsonFields;
import dev.voiceagent.config.support.Limits;
import dev.voiceagent.support.PhoneNumbers;
import dev.voiceagent.support.Problems;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A validated runtime config: {@code model}, {@code voice} (both from the configured allow-lists) and
 * {@code system_prompt_key} are required; {@code webhook_url} (absolute http(s) URL), {@code on_call_number}
 * (E.164, receives SLA alerts by SMS), {@code language} (BCP 47 tag), {@code greeting} and {@code limits} are
 * optional. Whether the prompt exists is checked by the
 * handler against the tenant's library.
 */
public record RuntimeConfigRequest(String model, String voice, String systemPromptKey, String webhookUrl,
                                   String language, String greeting, Map<String, Integer> limits,
                                   String onCallNumber) {

    static final Set<String> FIELDS = Set.of("model", "voice", "system_prompt_key", "webhook_url", "language",
            "greeting", "limits", "on_call_number");
    static final Map<String, Limits.Range> LIMITS = Map.of(
            "max_call_duration_seconds", new Limits.Range(10, 86_400),
            "max_tool_calls", new Limits.Range(1, 1_000),
            "silence_timeout_seconds", new Limits.Range(1, 600),
            "max_silence_prompts", new Limits.Range(0, 10));
    private static final Pattern LANGUAGE = Pattern.compile("[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}");

    public static RuntimeConfigRequest parse(JsonNode body, ConfigProperties properties) {
        JsonFields fields = JsonFields.body(body, FIELDS);
        String model = fields.requiredString("model", 100);
        if (!properties.models().contains(model)) {
            throw Problems.invalidField("model", "must be one of " + properties.models());
        }
        String voice = fields.requiredString("voice", 100);
        if (!properties.voices().contains(voice)) {
            throw Problems.invalidField("voice", "must be one of " + properties.voices());
        }
        String promptKey = Ids.requireKey("system_prompt_key", fields.requiredString("system_prompt_key", 64));
        String webhookUrl = fields.optionalString("webhook_url", 2_000).map(RuntimeConfigRequest::requireUrl)
                .orElse(null);
        String language = fields.optionalString("language", 35).orElse(null);
        if (language != null && !LANGUAGE.matcher(language).matches()) {
            throw Problems.invalidField("language", "must be a BCP 47 language tag such as en or en-US");
        }
        String greeting = fields.optionalString("greeting", 1_000).orElse(null);
        Map<String, Integer> limits = Limits.read(fields, "limits", LIMITS).orElse(Map.of());
        String onCallNumber = fields.optionalString("on_call_number", 16).orElse(null);
        if (onCallNumber != null && !PhoneNumbers.isE164(onCallNumber)) {
            throw Problems.invalidField("on_call_number", "must be an E.164 number such as +15555550100");
        }
        return new RuntimeConfigRequest(model, voice, promptKey, webhookUrl, language, greeting, limits,
                onCallNumber);
    }

    static String requireUrl(String value) {
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme();
            boolean web = "https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme);
            if (!web || uri.getHost() == null || uri.getHost().isBlank() || uri.getUserInfo() != null) {
                throw Problems.invalidField("webhook_url", "must be an absolute http(s) URL with a host and no credentials");
            }
            return value;
        } catch (URISyntaxException e) {
            throw Problems.invalidField("webhook_url", "is not a valid URL");
        }
    }
}
