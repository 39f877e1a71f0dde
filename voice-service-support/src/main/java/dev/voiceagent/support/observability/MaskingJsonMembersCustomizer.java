package dev.voiceagent.support.observability;

import dev.voiceagent.support.PhoneNumbers;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.json.JsonWriter;
import org.springframework.boot.logging.structured.StructuredLoggingJsonMembersCustomizer;

/**
 * Masks what must not leave a service in a structured log line: E.164 phone numbers anywhere in a string value
 * (the message, MDC values, stack traces) keep only their country prefix and last two digits, and members whose
 * name looks like a secret (token, secret, password, API or admin key, authorization, signature) are redacted.
 */
public class MaskingJsonMembersCustomizer implements StructuredLoggingJsonMembersCustomizer<Object> {

    static final String REDACTED = "[redacted]";

    // a '+', then 7 to 15 digits not glued to other digits or word characters: +15555550100, but not CA1234…
    private static final Pattern E164_IN_TEXT = Pattern.compile("(?<![\\w+])\\+[1-9]\\d{6,14}(?!\\d)");
    private static final Pattern SECRET_NAME = Pattern.compile(
            "token|secret|password|passwd|api[-_]?key|admin[-_]?key|authorization|signature|credential");

    @Override
    public void customize(JsonWriter.Members<Object> members) {
        members.applyingValueProcessor(JsonWriter.ValueProcessor.of(String.class, value -> REDACTED)
                .whenHasPath(path -> path.name() != null && isSecretName(path.name())));
        members.applyingValueProcessor(JsonWriter.ValueProcessor.of(String.class, MaskingJsonMembersCustomizer::maskPhoneNumbers));
    }

    static boolean isSecretName(String name) {
        return SECRET_NAME.matcher(name.toLowerCase(Locale.ROOT)).find();
    }

    /** Every E.164 number in {@code text} masked as {@link PhoneNumbers#mask(String)} does. */
    public static String maskPhoneNumbers(String text) {
        if (text == null || text.indexOf('+') < 0) {
            return text;
        }
        Matcher matcher = E164_IN_TEXT.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (matcher.find()) {
            matcher.appendReplacement(out, Matcher.quoteReplacement(PhoneNumbers.mask(matcher.group())));
        }
        return matcher.appendTail(out).toString();
    }
}
