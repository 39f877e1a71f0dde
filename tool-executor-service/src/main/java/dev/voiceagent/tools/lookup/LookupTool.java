package dev.voiceagent.tools.lookup;

import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.support.secrets.ArgumentSealer;
import dev.voiceagent.tools.execution.Tool;
import dev.voiceagent.tools.execution.ToolCall;
import dev.voiceagent.tools.execution.ToolResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
 * <p>
 * With a {@code pin} argument it also verifies the caller: the PIN, sealed by the bridge for this request
 * ({@link ArgumentSealer}; one in the clear is never checked), is checked against the hash stored for the account
 * found (uploaded with the accounts). A match answers the account as to an authenticated caller, with
 * {@code verified: true}, which is the only thing that makes the bridge treat the rest of the call as authenticated;
 * anything else (a wrong PIN, an account without a PIN, nothing found) is the unauthenticated caller's refusal with
 * {@code verified: false}, so a PIN check tells nothing about which accounts exist or have a PIN. The bridge then sends
 * that account as the call's {@code verified_account}, and it is the only other account the caller may hear. After
 * {@code voice.tools.verification.max-failures} wrong PINs an account's PIN is not checked for a while
 * ({@link PinAttempts}), whoever calls.
 */
@Component
public class LookupTool implements Tool {

    private static final Logger log = LoggerFactory.getLogger(LookupTool.class);
    /** The argument with the PIN the caller gave, sealed by the bridge (never logged: it is a secret). */
    static final String PIN = "pin";
    /** The output field the bridge authenticates the caller by. */
    static final String VERIFIED = "verified";

    private final AccountRepository accounts;
    private final LookupConnectorRepository connectors;
    private final LookupConnectorClient connectorClient;
    private final PinAttempts pinAttempts;
    private final MeterRegistry meters;
    private final ArgumentSealer sealer;

    public LookupTool(AccountRepository accounts, LookupConnectorRepository connectors,
                      LookupConnectorClient connectorClient, PinAttempts pinAttempts, MeterRegistry meters,
                      ArgumentSealer sealer) {
        this.accounts = accounts;
        this.connectors = connectors;
        this.connectorClient = connectorClient;
        this.pinAttempts = pinAttempts;
        this.meters = meters;
        this.sealer = sealer;
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
        Object given = call.arguments().get(PIN);
        if (given == null) {
            return find(call.tenantId(), key.get()).flatMap(found -> answer(call, key.get(), found.orElse(null)));
        }
        Optional<String> pin = sealer.open(given, ArgumentSealer.binding(call.tenantId(), call.callSid(),
                call.request().toolCallId()));
        if (pin.isEmpty()) {
            // in the clear (the PIN must never travel so), under a key this executor lacks, or for another request
            log.warn("tenant {} call {}: a PIN that is not sealed for this request was not checked", call.tenantId(),
                    call.callSid());
            return refusedAfterEqualWork(null, "unsealed");
        }
        return find(call.tenantId(), key.get()).flatMap(found -> verify(call, key.get(), found.orElse(null),
                pin.get()));
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

    /**
     * The account to a caller whose PIN matches the one stored for it; the refusal otherwise. Each attempt is counted
     * before the PIN is compared ({@link PinAttempts}), and one past the limit is not compared at all. Every refusal
     * costs the same hashing work as a real check, so its timing tells nothing either.
     */
    private Mono<ToolResult> verify(ToolCall call, LookupKey key, Account account, String pin) {
        if (account == null) {
            return refusedAfterEqualWork(pin, "unknown");
        }
        String tenantId = call.tenantId();
        String number = account.accountNumber();
        return accounts.findPinHash(tenantId, number).map(Optional::of).defaultIfEmpty(Optional.empty())
                .flatMap(hash -> {
                    if (hash.isEmpty()) {
                        return refusedAfterEqualWork(pin, "no_pin");
                    }
                    return pinAttempts.attempt(tenantId, number).flatMap(mayCheck -> {
                        if (!mayCheck) {
                            log.warn("tenant {} call {}: PIN of account {} not checked: too many wrong PINs lately",
                                    tenantId, call.callSid(), number);
                            return refusedAfterEqualWork(pin, "locked");
                        }
                        return VerificationPins.matches(pin, hash.get()).flatMap(matches -> matches
                                ? pinAttempts.succeeded(tenantId, number).then(disclose(call, key, account))
                                        .map(this::verified)
                                : Mono.just(notVerified("wrong_pin")));
                    });
                });
    }

    /** The refusal of a PIN that is not compared, after the hashing work a comparison costs. */
    private Mono<ToolResult> refusedAfterEqualWork(String pin, String why) {
        return VerificationPins.matches(pin, null).then(Mono.fromSupplier(() -> notVerified(why)));
    }

    private Mono<ToolResult> answer(ToolCall call, LookupKey key, Account account) {
        String verifiedAccount = call.request().verifiedAccount();
        String callerNumber = call.request().callerNumber();
        if (AccountAccessPolicy.mayDisclose(verifiedAccount, callerNumber, account)) {
            return disclose(call, key, account);
        }
        if (account == null && AccountAccessPolicy.mayReportNotFound(callerNumber, key)) {
            return Mono.just(ToolResult.ok(Map.of("found", false)));
        }
        return Mono.just(ToolResult.denied(AccountAccessPolicy.refusal(verifiedAccount)));
    }

    private Mono<ToolResult> disclose(ToolCall call, LookupKey key, Account account) {
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

    private ToolResult verified(ToolResult disclosed) {
        checks(VERIFIED).increment();
        Map<String, Object> output = new LinkedHashMap<>(disclosed.output());
        output.put(VERIFIED, true);
        return new ToolResult(disclosed.status(), output, disclosed.reason());
    }

    /**
     * The unauthenticated caller's refusal, word for word, marked as a failed verification; {@code why} (an unknown
     * account, none stored, a wrong PIN, a locked-out account) goes only to the metric, never to the caller.
     */
    private ToolResult notVerified(String why) {
        checks(why).increment();
        ToolResult denied = ToolResult.denied(AccountAccessPolicy.NOT_VERIFIED);
        Map<String, Object> output = new LinkedHashMap<>(denied.output());
        output.put(VERIFIED, false);
        return new ToolResult(denied.status(), output, denied.reason());
    }

    private Counter checks(String result) {
        return Counter.builder("voice.tools.pin.checks")
                .description("PIN checks by lookup, by result: verified, wrong_pin, locked, no_pin, unknown, unsealed")
                .tag("result", result)
                .register(meters);
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
