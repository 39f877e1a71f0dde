package dev.voiceagent.tools.lookup;

/**
 * Who may hear account data. A caller may hear the account registered to the number they are calling from, and the
 * one account they proved is theirs by its PIN earlier in the call (the request's {@code verified_account}); nothing
 * else, however the session is flagged. For anything else, including keys that match nothing, the answer is the same
 * refusal, so that no caller (verified or not) can probe which account or order numbers exist.
 */
public final class AccountAccessPolicy {

    static final String NOT_VERIFIED = "I can only share details of the account registered to the number you're "
            + "calling from until I've verified your identity.";
    static final String NOT_THEIRS = "I can only share details of the account you've verified, or the one "
            + "registered to the number you're calling from.";

    private AccountAccessPolicy() {
    }

    /** True when the caller may hear this account (which may be null when nothing matched). */
    public static boolean mayDisclose(String verifiedAccount, String callerNumber, Account account) {
        if (account == null) {
            return false;
        }
        return (verifiedAccount != null && verifiedAccount.equals(account.accountNumber()))
                || (callerNumber != null && !callerNumber.isBlank() && callerNumber.equals(account.callerNumber()));
    }

    /** True when "not found" may be said: only to a search by the caller's own number, which probes nothing. */
    public static boolean mayReportNotFound(String callerNumber, LookupKey key) {
        return key.kind() == LookupKey.Kind.CALLER_NUMBER && key.value().equals(callerNumber);
    }

    /** The refusal for an account the caller may not hear: the same words whether or not it exists. */
    public static String refusal(String verifiedAccount) {
        return verifiedAccount == null ? NOT_VERIFIED : NOT_THEIRS;
    }
}
