package dev.voiceagent.config.support;

import java.util.regex.Pattern;

/** Who the audit log names for an admin change: {@code x-admin-actor} when given, else {@code admin}. */
public final class Actors {

    public static final String HEADER = "x-admin-actor";
    private static final Pattern SAFE = Pattern.compile("[\\p{Alnum}@._:+ -]{1,100}");

    private Actors() {
    }

    public static String of(String header) {
        if (header == null || !SAFE.matcher(header.strip()).matches()) {
            return "admin";
        }
        return header.strip();
    }
}
