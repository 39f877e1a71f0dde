package dev.voiceagent.tools.lookup;

/**
 * Who may hear account data. A caller the session has authenticated may look up any account of the tenant.
 * An unauthenticated caller may only hear the account registered to the number they are calling from; for
 * anything else (including keys that match nothing) the answer is the same refusal, so that an unauthenticated
 * caller cannot probe which account or order numbers exist.
 */
public final class AccountAccessPolicy {

    static final String NOT_VERIFIED = "I can only share details of the account registered to the number you're "
            + "calling from until I've verified your identity.";

    private AccountAccessPolicy() {
    }

    /** True when the caller may hear this account (which may be null when nothing matched). */
    public static boolean mayDisclose(boolean callerAuthenticated, String callerNumber, Account account) {
        if (callerAuthenticated) {
            return true;
        }
        return account != null && callerNumber != null && !callerNumber.isBlank()
                && callerNumber.equals(account.callerNumber());
    }

    /** True when "not found" may be said: authenticated callers, or a search by the caller's own number. */
    public static boolean mayReportNotFound(boolean callerAuthenticated, String callerNumber, LookupKey key) {
        return callerAuthenticated || (key.kind() == LookupKey.Kind.CALLER_NUMBER && key.value().equals(callerNumber));
    }
}
