package dev.voiceagent.support;

import java.util.regex.Pattern;

/** E.164 validation and masking of phone numbers for logs. */
public final class PhoneNumbers {

    private static final Pattern E164 = Pattern.compile("^\\+[1-9]\\d{1,14}$");

    private PhoneNumbers() {
    }

    public static boolean isE164(String number) {
        return number != null && E164.matcher(number).matches();
    }

    /** Keeps the country prefix and the last two digits: {@code +1********00}. */
    public static String mask(String number) {
        if (number == null || number.isBlank()) {
            return "unknown";
        }
        if (number.length() <= 4) {
            return "****";
        }
        int keepStart = number.startsWith("+") ? 2 : 0;
        StringBuilder masked = new StringBuilder(number.substring(0, keepStart));
        masked.append("*".repeat(number.length() - keepStart - 2));
        return masked.append(number.substring(number.length() - 2)).toString();
    }
}
