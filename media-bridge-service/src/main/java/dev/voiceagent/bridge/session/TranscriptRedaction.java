package dev.voiceagent.bridge.session;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Takes the PINs a call's {@code lookup}s carried out of its transcript before the transcript leaves the bridge (the
 * transcripts topic, which evaluation and analytics read, the stored session record and hand-over summaries), and out
 * of what else the model writes for people: the free text of tool arguments and the call's state. A
 * caller says a PIN as digits or as words, and speech-to-text writes it either way, spaced or not ("2468", "2 4 6 8",
 * "two four six eight", "2-4-6-8"); each is replaced by {@link #MASK}. Only the exact digits of a PIN are masked, and
 * only standing alone: a longer number that contains them is left as it is.
 */
final class TranscriptRedaction {

    static final String MASK = "[pin]";
    private static final String[] WORDS = {"zero|oh|o", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine"};
    private static final String SEPARATOR = "[\\s,.\\-]*";
    /** The tools' arguments that are text for people rather than identifiers (see {@code ToolCatalog}). */
    private static final Set<String> FREE_TEXT = Set.of("summary", "reason", "body", "note");

    private final List<String> pins = new ArrayList<>();
    private final List<Pattern> patterns = new ArrayList<>();

    /** Adds a PIN the call used; anything but 4 to 8 digits is no PIN the executor would check, and is ignored. */
    void add(Object pin) {
        String digits = pin == null ? "" : String.valueOf(pin).trim();
        if (!digits.matches("[0-9]{4,8}") || pins.contains(digits)) {
            return;
        }
        pins.add(digits);
        StringBuilder regex = new StringBuilder("(?<![\\p{L}\\p{N}])");
        for (int i = 0; i < digits.length(); i++) {
            int digit = digits.charAt(i) - '0';
            if (i > 0) {
                regex.append(SEPARATOR);
            }
            regex.append("(?:").append(digit).append('|').append(WORDS[digit]).append(')');
        }
        regex.append("(?![\\p{L}\\p{N}])");
        patterns.add(Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
    }

    /**
     * {@code arguments} with every PIN added so far masked in their free text (a summary, a reason, a text message,
     * a note: what a model writes for people), the same map when there is nothing to mask. Identifiers and the
     * {@code pin} itself are left as they are: the tool needs them.
     */
    Map<String, Object> inFreeText(Map<String, Object> arguments) {
        if (patterns.isEmpty() || arguments.keySet().stream().noneMatch(FREE_TEXT::contains)) {
            return arguments;
        }
        Map<String, Object> masked = new LinkedHashMap<>(arguments);
        masked.replaceAll((key, value) -> FREE_TEXT.contains(key) && value instanceof String text ? apply(text) : value);
        return masked;
    }

    /** {@code text} with every PIN added so far masked. */
    String apply(String text) {
        String redacted = text;
        for (Pattern pattern : patterns) {
            redacted = pattern.matcher(redacted).replaceAll(MASK);
        }
        return redacted;
    }
}
