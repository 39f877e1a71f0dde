package dev.voiceagent.bridge.support;

/** Masks personal data before it reaches a log line. */
public final class Masking {

    private Masking() {
    }

    /** {@code +15555550100} becomes {@code +1*******00}: country digit and the last two digits stay. */
    public static String phone(String number) {
        if (number == null || number.isBlank()) {
            return "unknown";
        }
        int keepHead = number.startsWith("+") ? 2 : 0;
        if (number.length() <= keepHead + 2) {
            return "***";
        }
        return number.substring(0, keepHead) + "*".repeat(number.length() - keepHead - 2)
                + number.substring(number.length() - 2);
    }
}
