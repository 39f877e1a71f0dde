package dev.voiceagent.tools.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class AccountAccessPolicyTest {

    static final Account ACCOUNT = new Account("1001", "+15555550100", "Ada", new BigDecimal("42.50"), "USD",
            "active", null);

    @Test
    void aVerifiedCallerSeesTheAccountTheyVerifiedFromAnyNumber() {
        assertThat(AccountAccessPolicy.mayDisclose("1001", "+15555550199", ACCOUNT)).isTrue();
        assertThat(AccountAccessPolicy.mayDisclose("1001", null, ACCOUNT)).isTrue();
    }

    @Test
    void aVerifiedCallerDoesNotSeeOtherAccounts() {
        assertThat(AccountAccessPolicy.mayDisclose("2002", "+15555550199", ACCOUNT)).isFalse();
        assertThat(AccountAccessPolicy.mayDisclose("2002", "+15555550199", null)).isFalse();
    }

    @Test
    void everyCallerSeesTheAccountOfTheirOwnNumber() {
        assertThat(AccountAccessPolicy.mayDisclose(null, "+15555550100", ACCOUNT)).isTrue();
        assertThat(AccountAccessPolicy.mayDisclose("2002", "+15555550100", ACCOUNT)).isTrue();
        assertThat(AccountAccessPolicy.mayDisclose(null, "+15555550199", ACCOUNT)).isFalse();
        assertThat(AccountAccessPolicy.mayDisclose(null, null, ACCOUNT)).isFalse();
    }

    @Test
    void notFoundIsOnlySaidWhenItCannotBeUsedToProbe() {
        var byAccount = new LookupKey(LookupKey.Kind.ACCOUNT_NUMBER, "9999");
        var byOwnNumber = new LookupKey(LookupKey.Kind.CALLER_NUMBER, "+15555550199");
        var byOtherNumber = new LookupKey(LookupKey.Kind.CALLER_NUMBER, "+15555550188");
        assertThat(AccountAccessPolicy.mayReportNotFound("+15555550199", byAccount)).isFalse();
        assertThat(AccountAccessPolicy.mayReportNotFound("+15555550199", byOwnNumber)).isTrue();
        assertThat(AccountAccessPolicy.mayReportNotFound("+15555550199", byOtherNumber)).isFalse();
    }

    @Test
    void theRefusalNamesWhatTheCallerMayHear() {
        assertThat(AccountAccessPolicy.refusal(null)).isEqualTo(AccountAccessPolicy.NOT_VERIFIED);
        assertThat(AccountAccessPolicy.refusal("1001")).isEqualTo(AccountAccessPolicy.NOT_THEIRS);
    }
}
