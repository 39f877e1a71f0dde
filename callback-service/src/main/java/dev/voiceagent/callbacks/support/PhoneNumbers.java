package dev.voiceagent.callbacks.support;

/** Masks caller numbers for logs: only the last two digits stay readable. */
public final class PhoneNumbers {

    private PhoneNumbers() {
    }

    public static String mask(String number) {
        if (number == null || number.isBlank()) {
            return "-";
        }
        int keep = Math.min(2, number.length());
        return "*".repeat(number.length() - keep) + number.substring(number.length() - keep);
    }
}
