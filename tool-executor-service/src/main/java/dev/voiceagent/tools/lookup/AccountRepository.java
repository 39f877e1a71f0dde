package dev.voiceagent.tools.lookup;

import dev.voiceagent.tools.support.JsonMaps;
import io.r2dbc.postgresql.codec.Json;
import io.r2dbc.spi.Readable;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The tenants' account data ({@code tools.accounts}, {@code tools.account_orders}). */
@Repository
public class AccountRepository {

    private static final String COLUMNS = "a.account_number, a.caller_number, a.name, a.balance, a.currency, a.status";

    private final DatabaseClient db;
    private final TransactionalOperator tx;

    public AccountRepository(DatabaseClient db, ReactiveTransactionManager transactions) {
        this.db = db;
        this.tx = TransactionalOperator.create(transactions);
    }

    /**
     * Replaces all of a tenant's accounts (and their orders) in one transaction. PINs are hashed first, so that the
     * slow hashing does not hold the transaction open (two at a time: one per core of a small instance).
     */
    public Mono<Integer> replaceAll(String tenantId, List<Account> accounts) {
        return Flux.fromIterable(accounts).flatMapSequential(AccountRepository::withPinHash, 2).collectList()
                .flatMap(rows -> tx.transactional(deleteAll(tenantId)
                        .then(Flux.fromIterable(rows).concatMap(row -> insert(tenantId, row)).then())))
                .thenReturn(accounts.size());
    }

    /** The stored hash of an account's verification PIN; empty when the account has none (or is not stored). */
    public Mono<String> findPinHash(String tenantId, String accountNumber) {
        return db.sql("SELECT verification_pin_hash FROM accounts WHERE tenant_id = :tenant AND account_number = :number")
                .bind("tenant", tenantId)
                .bind("number", accountNumber)
                .map(row -> Optional.ofNullable(row.get("verification_pin_hash", String.class)))
                .one()
                .flatMap(Mono::justOrEmpty);
    }

    public Mono<Account> find(String tenantId, LookupKey key) {
        String where = switch (key.kind()) {
            case ACCOUNT_NUMBER -> "a.account_number = :value";
            case CALLER_NUMBER -> "a.caller_number = :value";
            case ORDER_NUMBER -> "a.account_number = (SELECT o.account_number FROM account_orders o "
                    + "WHERE o.tenant_id = :tenant AND o.order_number = :value)";
        };
        return db.sql("SELECT " + COLUMNS + " FROM accounts a WHERE a.tenant_id = :tenant AND " + where
                        + " ORDER BY a.account_number LIMIT 1")
                .bind("tenant", tenantId)
                .bind("value", key.value())
                .map(AccountRepository::toAccount)
                .one();
    }

    /** The stored order (number, status and details) of a tenant, if there is one. */
    public Mono<Map<String, Object>> findOrder(String tenantId, String orderNumber) {
        return db.sql("SELECT order_number, status, details FROM account_orders "
                        + "WHERE tenant_id = :tenant AND order_number = :order")
                .bind("tenant", tenantId)
                .bind("order", orderNumber)
                .map(row -> {
                    Map<String, Object> order = new java.util.LinkedHashMap<>(
                            JsonMaps.read(row.get("details", Json.class).asString()));
                    order.put("order_number", row.get("order_number", String.class));
                    if (row.get("status", String.class) != null) {
                        order.put("status", row.get("status", String.class));
                    }
                    return (Map<String, Object>) order;
                })
                .one();
    }

    private Mono<Void> deleteAll(String tenantId) {
        return db.sql("DELETE FROM accounts WHERE tenant_id = :tenant").bind("tenant", tenantId)
                .fetch().rowsUpdated().then();
    }

    private static Mono<AccountRow> withPinHash(Account account) {
        return account.verificationPin() == null ? Mono.just(new AccountRow(account, null))
                : VerificationPins.hash(account.verificationPin()).map(hash -> new AccountRow(account, hash));
    }

    private Mono<Void> insert(String tenantId, AccountRow row) {
        Account account = row.account();
        var spec = db.sql("INSERT INTO accounts (tenant_id, account_number, caller_number, name, balance, currency, "
                        + "status, verification_pin_hash) "
                        + "VALUES (:tenant, :number, :caller, :name, :balance, :currency, :status, :pin)")
                .bind("tenant", tenantId)
                .bind("number", account.accountNumber())
                .bind("name", account.name())
                .bind("balance", account.balance())
                .bind("currency", account.currency())
                .bind("status", account.status());
        spec = account.callerNumber() == null ? spec.bindNull("caller", String.class)
                : spec.bind("caller", account.callerNumber());
        spec = row.pinHash() == null ? spec.bindNull("pin", String.class) : spec.bind("pin", row.pinHash());
        List<Map<String, Object>> orders = account.orders() == null ? List.of() : account.orders();
        return spec.fetch().rowsUpdated()
                .thenMany(Flux.fromIterable(orders).concatMap(order -> insertOrder(tenantId, account, order)))
                .then();
    }

    private Mono<Long> insertOrder(String tenantId, Account account, Map<String, Object> order) {
        Object status = order.get("status");
        var spec = db.sql("INSERT INTO account_orders (tenant_id, order_number, account_number, status, details) "
                        + "VALUES (:tenant, :order, :account, :status, :details)")
                .bind("tenant", tenantId)
                .bind("order", String.valueOf(order.get("order_number")))
                .bind("account", account.accountNumber())
                .bind("details", Json.of(JsonMaps.write(order)));
        spec = status == null ? spec.bindNull("status", String.class) : spec.bind("status", String.valueOf(status));
        return spec.fetch().rowsUpdated();
    }

    private static Account toAccount(Readable row) {
        return new Account(row.get("account_number", String.class), row.get("caller_number", String.class),
                row.get("name", String.class), row.get("balance", BigDecimal.class),
                row.get("currency", String.class), row.get("status", String.class), null);
    }

    /** An account to store, with the hash of its PIN (null without one). */
    private record AccountRow(Account account, String pinHash) {
    }
}
