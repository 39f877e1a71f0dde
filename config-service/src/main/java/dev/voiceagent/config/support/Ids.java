package dev.voiceagent.config.support;

import dev.voiceagent.support.Problems;
import java.util.regex.Pattern;

/** The shapes of identifiers that appear in admin paths (tenant ids, prompt keys, agent keys). */
public final class Ids {

    private static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");

    private Ids() {
    }

    /** Lower-case letters, digits, '_', '.', '-'; 1 to 64 characters, starting with a letter or digit. */
    public static String requireKey(String field, String value) {
        if (value == null || !KEY.matcher(value).matches()) {
            throw Problems.invalidField(field, "must be 1-64 characters of a-z, 0-9, '_', '.', '-' "
                    + "starting with a letter or digit");
        }
        return value;
    }

    public static boolean isKey(String value) {
        return value != null && KEY.matcher(value).matches();
    }
}
