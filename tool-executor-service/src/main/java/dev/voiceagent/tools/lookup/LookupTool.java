package dev.voiceagent.tools.lookup;

import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.tools.execution.Tool;
import dev.voiceagent.tools.execution.ToolCall;
import dev.voiceagent.tools.execution.ToolResult;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * {@code lookup}: finds an account of the request's tenant by account, order or caller number and answers
 * {@code {found, account_number, name, balance, currency, status}} (plus {@code order} for an order lookup),
 * within {@link AccountAccessPolicy}. The balance is a decimal string, so no float rounding reaches the caller.
 */
@Component
public class LookupTool implements Tool {

    private final AccountRepository accounts;

    public LookupTool(AccountRepository accounts) {
        this.accounts = accounts;
    }

    @Override
    public ToolName name() {
        return ToolName.LOOKUP;
    }

    @Override
    public Mono<ToolResult> execute(ToolCall call) {
        Optional<LookupKey> key = LookupKey.of(call);
        if (key.isEmpty()) {
            return Mono.just(ToolResult.failed(
                    "I need an account number, an order number or a phone number to look that up."));
        }
        return accounts.find(call.tenantId(), key.get())
                .map(Optional::of)
                .defaultIfEmpty(Optional.empty())
                .flatMap(found -> answer(call, key.get(), found.orElse(null)));
    }

    private Mono<ToolResult> answer(ToolCall call, LookupKey key, Account account) {
        boolean authenticated = call.request().callerAuthenticated();
        String callerNumber = call.request().callerNumber();
        if (account != null && AccountAccessPolicy.mayDisclose(authenticated, callerNumber, account)) {
            Map<String, Object> output = found(account);
            if (key.kind() != LookupKey.Kind.ORDER_NUMBER) {
                return Mono.just(ToolResult.ok(output));
            }
            return accounts.findOrder(call.tenantId(), key.value())
                    .map(order -> withOrder(output, order))
                    .defaultIfEmpty(output)
                    .map(ToolResult::ok);
        }
        if (account == null && AccountAccessPolicy.mayReportNotFound(authenticated, callerNumber, key)) {
            return Mono.just(ToolResult.ok(Map.of("found", false)));
        }
        return Mono.just(ToolResult.denied(AccountAccessPolicy.NOT_VERIFIED));
    }

    private static Map<String, Object> found(Account account) {
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("found", true);
        output.put("account_number", account.accountNumber());
        output.put("name", account.name());
        output.put("balance", account.balance().toPlainString());
        output.put("currency", account.currency());
        output.put("status", account.status());
        return output;
    }

    private static Map<String, Object> withOrder(Map<String, Object> output, Map<String, Object> order) {
        Map<String, Object> copy = new LinkedHashMap<>(output);
        copy.put("order", order);
        return copy;
    }
}
