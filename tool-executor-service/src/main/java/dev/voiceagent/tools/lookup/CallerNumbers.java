package dev.voiceagent.tools.lookup;

import dev.voiceagent.tools.execution.ToolCall;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The phone numbers a caller may act for (text, change bookings made from): the one they are calling from, and the
 * number registered to the account they proved is theirs by its PIN (the request's {@code verified_account}). Being
 * verified does not make every number the caller's, any more than it makes every account theirs.
 */
@Component
public class CallerNumbers {

    private final AccountRepository accounts;

    public CallerNumbers(AccountRepository accounts) {
        this.accounts = accounts;
    }

    /** True when {@code number} is the caller's own or the verified account's registered one. */
    public Mono<Boolean> mayActFor(ToolCall call, String number) {
        if (number == null) {
            return Mono.just(false);
        }
        if (number.equals(call.request().callerNumber())) {
            return Mono.just(true);
        }
        String verified = call.request().verifiedAccount();
        if (verified == null) {
            return Mono.just(false);
        }
        return accounts.find(call.tenantId(), new LookupKey(LookupKey.Kind.ACCOUNT_NUMBER, verified))
                .map(account -> number.equals(account.callerNumber()))
                .defaultIfEmpty(false);
    }
}
