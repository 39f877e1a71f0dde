package dev.voiceagent.testkit.scenario;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One thing the simulated model does in a turn: call a tool, or say something. */
public sealed interface ModelAction {

    /** Calls the named function tool with these arguments (kept in order), then waits for its output and a {@code response.create}. */
    record CallTool(String name, Map<String, Object> arguments) implements ModelAction {
        public CallTool {
            Objects.requireNonNull(name, "name");
            arguments = arguments == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(arguments));
        }
    }

    /**
     * Speaks the text; {@code {field}} placeholders are filled from the most recent function_call_output JSON
     * (unknown fields stay as written, which makes a missing tool result visible in transcripts).
     */
    record Say(String text) implements ModelAction {
        private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_.]+)}");

        public Say {
            Objects.requireNonNull(text, "text");
        }

        /** The text with placeholders filled from the given tool output fields. */
        public String render(Map<String, ?> toolOutput) {
            Matcher matcher = PLACEHOLDER.matcher(text);
            StringBuilder out = new StringBuilder();
            while (matcher.find()) {
                Object value = toolOutput == null ? null : toolOutput.get(matcher.group(1));
                String replacement = value == null ? matcher.group() : String.valueOf(value);
                matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
            }
            matcher.appendTail(out);
            return out.toString();
        }
    }

    /** Shorthand for {@link CallTool}. */
    static ModelAction callTool(String name, Map<String, Object> arguments) {
        return new CallTool(name, arguments);
    }

    /** Shorthand for {@link Say}. */
    static ModelAction say(String text) {
        return new Say(text);
    }
}
