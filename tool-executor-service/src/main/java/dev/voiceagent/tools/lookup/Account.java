package dev.voiceagent.tools.lookup;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/** One account of a tenant's customer, as the tenant loads it ({@code orders} optional). */
public record Account(String accountNumber, String callerNumber, String name, BigDecimal balance, String currency,
                      String status, List<Map<String, Object>> orders) {
}
