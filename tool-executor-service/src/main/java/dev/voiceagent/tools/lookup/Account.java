package dev.voiceagent.tools.lookup;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * One account of a tenant's customer, as the tenant loads it ({@code orders} optional). {@code verificationPin} is
 * the secret a caller proves the account is theirs with (optional, only ever read from an upload: it is stored as a
 * hash, never written out, and left out of {@link #toString()}).
 */
public record Account(String accountNumber, String callerNumber, String name, BigDecimal balance, String currency,
                      String status, List<Map<String, Object>> orders,
                      @JsonProperty(access = JsonProperty.Access.WRITE_ONLY) String verificationPin) {

    /** An account without a verification PIN (a tenant's backend's answer, or a stored account as read back). */
    public Account(String accountNumber, String callerNumber, String name, BigDecimal balance, String currency,
                   String status, List<Map<String, Object>> orders) {
        this(accountNumber, callerNumber, name, balance, currency, status, orders, null);
    }

    @Override
    public String toString() {
        return "Account[accountNumber=" + accountNumber + ", callerNumber=" + callerNumber + ", name=" + name
                + ", balance=" + balance + ", currency=" + currency + ", status=" + status + ", orders=" + orders
                + ", verificationPin=" + (verificationPin == null ? "none" : "***") + "]";
    }
}
