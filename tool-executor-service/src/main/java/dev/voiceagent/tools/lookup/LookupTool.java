package dev.voiceagent.tools.lookup;

import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.tools.execution.Tool;
import dev.voiceagent.tools.execution.ToolCall;
import dev.voiceagent.tools.execution.ToolResult;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * {@code lookup}: finds an account of the request's tenant by account, order or caller number and answers
 * {@code {found, account_number, name, balance, currency, status}} (plus {@code order} for an order lookup),
 * within {@link AccountAccessPolicy}, from the tenant's own backend when a connector is configured (the Postgres
 * store when not, or when the backend fails). The balance is a decimal string, so no float rounding reaches the caller.
 */
@Component
public class LookupTool implements Tool {

    private static final Logger log = LoggerFactory.getLogger(LookupTool.class);

    private final AccountRepository accounts;
    private final LookupConnectorRepository connectors;
    private final LookupConnectorClient connectorClient;

    public LookupTool(AccountRepository accounts, LookupConnectorRepository connectors,
                      LookupConnectorClient connectorClient) {
        this.accounts = accounts;
        this.connectors = connectors;
        this.connectorClient = connectorClient;
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
        return find(call.tenantId(), key.get())
                .flatMap(found -> answer(call, key.get(), found.orElse(null)));
    }

    /** From the tenant's backend when one is configured; from the Postgres store without one or when it fails. */
    private Mono<Optional<Account>> find(String tenantId, LookupKey key) {
        Mono<Optional<Account>> store = accounts.find(tenantId, key).map(Optional::of).defaultIfEmpty(Optional.empty());
        return connectors.find(tenantId)
                .flatMap(connector -> connectorClient.find(tenantId, connector, key)
                        .map(Optional::of)
                        .defaultIfEmpty(Optional.empty())
                        .onErrorResume(e -> {
                            log.warn("tenant {}: lookup connector failed ({}); using the stored accounts", tenantId,
                                    e.getClass().getSimpleName());
                            return store;
                        }))
                .switchIfEmpty(store);
    }

    private Mono<ToolResult> answer(ToolCall call, LookupKey key, Account account) {
        boolean authenticated = call.request().callerAuthenticated();
        String callerNumber = call.request().callerNumber();
        if (account != null && AccountAccessPolicy.mayDisclose(authenticated, callerNumber, account)) {
            Map<String, Object> output = found(account);
            if (key.kind() != LookupKey.Kind.ORDER_NUMBER) {
                return Mono.just(ToolResult.ok(output));
            }
            if (account.orders() != null && !account.orders().isEmpty()) {
                return Mono.just(ToolResult.ok(withOrder(output, account.orders().get(0))));
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
