package dev.voiceagent.tools.lookup;

import dev.voiceagent.tools.execution.ToolCall;
import java.util.Optional;

/**
 * What a lookup searches by: account number, order number or caller number, in that order of precedence; with
 * no argument at all, the number the caller is calling from.
 */
public record LookupKey(Kind kind, String value) {

    /** The searchable fields. */
    public enum Kind { ACCOUNT_NUMBER, ORDER_NUMBER, CALLER_NUMBER }

    public static Optional<LookupKey> of(ToolCall call) {
        if (call.argument("account_number") != null) {
            return Optional.of(new LookupKey(Kind.ACCOUNT_NUMBER, call.argument("account_number")));
        }
        if (call.argument("order_number") != null) {
            return Optional.of(new LookupKey(Kind.ORDER_NUMBER, call.argument("order_number")));
        }
        String number = call.argument("caller_number") != null ? call.argument("caller_number")
                : call.request().callerNumber();
        return Optional.ofNullable(number).filter(n -> !n.isBlank()).map(n -> new LookupKey(Kind.CALLER_NUMBER, n));
    }
}
