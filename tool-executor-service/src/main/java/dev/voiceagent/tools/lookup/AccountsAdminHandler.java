package dev.voiceagent.tools.lookup;

import dev.voiceagent.support.Problems;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import dev.voiceagent.tools.support.AdminKeyGuard;
import dev.voiceagent.tools.support.AdminRoutes;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.http.codec.HttpMessageReader;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code PUT /api/v1/admin/tenants/{tenant_id}/accounts} ({@code x-admin-key}): replaces the tenant's account
 * data that {@code lookup} reads. Body {@code {"accounts":[{account_number, caller_number, name, balance,
 * currency, status, orders?, verification_pin?}]}} (at most 10,000 accounts, 16 MiB; larger is a 413); answers
 * {@code {tenant_id, accounts}} with the number stored. A {@code verification_pin} (4-8 digits) is stored only as a
 * hash and never written back or logged; it is what lets a caller prove the account is theirs, instead of the model
 * saying so.
 */
@Configuration
public class AccountsAdminHandler {

    private static final Logger log = LoggerFactory.getLogger(AccountsAdminHandler.class);
    private static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final int MAX_ACCOUNTS = 10_000;
    /**
     * The largest body read: 10,000 accounts at up to about 1.6 KB each (a typical account with an order is a few
     * hundred bytes; orders carry free-form fields). Behind the admin key only.
     */
    static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    private final AccountRepository accounts;
    private final AdminKeyGuard guard;
    private final List<HttpMessageReader<?>> bodyReaders;

    public AccountsAdminHandler(AccountRepository accounts, AdminKeyGuard guard, JsonMapper json) {
        this.accounts = accounts;
        this.guard = guard;
        this.bodyReaders = AdminRoutes.jsonReaders(json, MAX_BODY_BYTES);
    }

    @Bean
    RouterFunction<ServerResponse> accountsAdminRoutes() {
        return RouterFunctions.route()
                .PUT("/api/v1/admin/tenants/{tenant_id}/accounts", this::replace)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Replace the account data lookup reads "
                                + "(at most " + MAX_ACCOUNTS + " accounts)")
                        .accepts(Body.json(AccountsBody.class)).answers(Body.json(AccountsLoaded.class)))
                .build();
    }

    Mono<ServerResponse> replace(ServerRequest request) {
        String tenantId = request.pathVariable("tenant_id");
        return guard.check(request)
                .then(Mono.defer(() -> validTenant(tenantId)))
                .then(AdminRoutes.body(request, bodyReaders, AccountsBody.class))
                .switchIfEmpty(Mono.error(Problems.badRequest("A JSON body {\"accounts\": [...]} is required.")))
                .map(AccountsAdminHandler::validated)
                .flatMap(list -> accounts.replaceAll(tenantId, list))
                .doOnNext(count -> log.info("tenant {} loaded {} accounts", tenantId, count))
                .flatMap(count -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(new AccountsLoaded(tenantId, count)));
    }

    private static Mono<Void> validTenant(String tenantId) {
        return TENANT_ID.matcher(tenantId).matches() ? Mono.empty()
                : Mono.error(Problems.invalidField("tenant_id", "must be 1-64 letters, digits, '-' or '_'"));
    }

    static List<Account> validated(AccountsBody body) {
        if (body.accounts() == null) {
            throw Problems.invalidField("accounts", "is required");
        }
        if (body.accounts().size() > MAX_ACCOUNTS) {
            throw Problems.invalidField("accounts", "at most " + MAX_ACCOUNTS + " per request");
        }
        Set<String> numbers = new HashSet<>();
        Set<String> orders = new HashSet<>();
        for (int i = 0; i < body.accounts().size(); i++) {
            Account a = body.accounts().get(i);
            String at = "accounts[" + i + "].";
            if (a == null || a.accountNumber() == null || a.accountNumber().isBlank()) {
                throw Problems.invalidField(at + "account_number", "is required");
            }
            if (!numbers.add(a.accountNumber())) {
                throw Problems.invalidField(at + "account_number", "is repeated");
            }
            if (a.callerNumber() != null && !E164.matcher(a.callerNumber()).matches()) {
                throw Problems.invalidField(at + "caller_number", "must be an E.164 number such as +15555550100");
            }
            if (a.name() == null || a.name().isBlank()) {
                throw Problems.invalidField(at + "name", "is required");
            }
            if (a.balance() == null || a.balance().scale() > 2 || a.balance().abs().compareTo(BigDecimal.TEN.pow(12)) >= 0) {
                throw Problems.invalidField(at + "balance", "is required, with at most two decimals");
            }
            if (a.currency() == null || !CURRENCY.matcher(a.currency().toUpperCase(Locale.ROOT)).matches()) {
                throw Problems.invalidField(at + "currency", "must be an ISO 4217 code such as USD");
            }
            if (a.verificationPin() != null && !VerificationPins.FORMAT.matcher(a.verificationPin()).matches()) {
                // the detail never repeats the value: it is a secret
                throw Problems.invalidField(at + "verification_pin", "must be 4 to 8 digits, as a string");
            }
            validateOrders(a, at, orders);
        }
        return body.accounts().stream().map(AccountsAdminHandler::normalized).toList();
    }

    private static void validateOrders(Account a, String at, Set<String> seen) {
        if (a.orders() == null) {
            return;
        }
        for (int j = 0; j < a.orders().size(); j++) {
            Map<String, Object> order = a.orders().get(j);
            Object number = order == null ? null : order.get("order_number");
            if (number == null || String.valueOf(number).isBlank()) {
                throw Problems.invalidField(at + "orders[" + j + "].order_number", "is required");
            }
            if (!seen.add(String.valueOf(number))) {
                throw Problems.invalidField(at + "orders[" + j + "].order_number", "is repeated");
            }
        }
    }

    private static Account normalized(Account a) {
        String status = a.status() == null || a.status().isBlank() ? "active" : a.status();
        return new Account(a.accountNumber().trim(), a.callerNumber(), a.name().trim(), a.balance(),
                a.currency().toUpperCase(Locale.ROOT), status, a.orders(), a.verificationPin());
    }

    /** The answer: the number of accounts now stored. */
    public record AccountsLoaded(String tenantId, int accounts) {
    }

    /** The request body. */
    record AccountsBody(List<Account> accounts) {
    }
}
