package dev.voiceagent.tools.scope;

import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.support.secrets.ArgumentSealer;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent never takes payments or card details: a request whose intent or arguments mention payment or cards
 * (words such as payment, pay, card, cvv, iban), or carry what looks like a card number (13-19 digits passing
 * the Luhn check), is refused. Hand-over tools ({@code callback}, {@code escalation}) and {@code evaluation},
 * {@code noop} are exempt: handing a payment question to a human is exactly the right answer.
 */
public final class PaymentRequests {

    public static final String REFUSAL = "I can't take payments or card details on this call. "
            + "I can arrange for a colleague to help you with that instead.";

    private static final Set<String> WORDS = Set.of("payment", "payments", "pay", "paying", "card", "cards",
            "creditcard", "debitcard", "cvv", "cvc", "iban", "paypal", "checkout");
    private static final Set<ToolName> EXEMPT = Set.of(ToolName.CALLBACK, ToolName.ESCALATION, ToolName.EVALUATION,
            ToolName.NOOP);
    private static final Pattern WORD = Pattern.compile("[a-z]+");
    private static final Pattern DIGIT_RUN = Pattern.compile("\\d[\\d -]{11,30}\\d");

    private PaymentRequests() {
    }

    public static boolean isPaymentRequest(ToolName tool, String intent, Map<String, Object> arguments) {
        if (EXEMPT.contains(tool)) {
            return false;
        }
        if (mentionsPayment(intent)) {
            return true;
        }
        // a sealed value (a PIN) is random text: it may spell "pay" or "card" by chance
        return arguments != null && arguments.entrySet().stream().filter(e -> !ArgumentSealer.isSealed(e.getValue()))
                .anyMatch(e -> mentionsPayment(e.getKey()) || mentionsPayment(text(e.getValue()))
                        || looksLikeCardNumber(text(e.getValue())));
    }

    static boolean mentionsPayment(String text) {
        if (text == null) {
            return false;
        }
        Matcher words = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (words.find()) {
            if (WORDS.contains(words.group())) {
                return true;
            }
        }
        return false;
    }

    static boolean looksLikeCardNumber(String text) {
        if (text == null) {
            return false;
        }
        Matcher runs = DIGIT_RUN.matcher(text);
        while (runs.find()) {
            String digits = runs.group().replaceAll("[ -]", "");
            if (digits.length() >= 13 && digits.length() <= 19 && luhn(digits)) {
                return true;
            }
        }
        return false;
    }

    private static boolean luhn(String digits) {
        int sum = 0;
        boolean twice = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (twice) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            twice = !twice;
        }
        return sum % 10 == 0;
    }

    private static String text(Object value) {
        return value == null ? null : String.valueOf(value);
    }
}
