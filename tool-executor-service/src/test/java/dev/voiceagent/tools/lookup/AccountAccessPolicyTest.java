package dev.voiceagent.tools.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class AccountAccessPolicyTest {

    static final Account ACCOUNT = new Account("1001", "+15555550100", "Ada", new BigDecimal("42.50"), "USD",
            "active", null);

    @Test
    void authenticatedCallersSeeAnyAccount() {
        assertThat(AccountAccessPolicy.mayDisclose(true, "+15555550199", ACCOUNT)).isTrue();
    }

    @Test
    void unauthenticatedCallersSeeOnlyTheAccountOfTheirOwnNumber() {
        assertThat(AccountAccessPolicy.mayDisclose(false, "+15555550100", ACCOUNT)).isTrue();
        assertThat(AccountAccessPolicy.mayDisclose(false, "+15555550199", ACCOUNT)).isFalse();
        assertThat(AccountAccessPolicy.mayDisclose(false, null, ACCOUNT)).isFalse();
    }

    @Test
    void notFoundIsOnlySaidWhenItCannotBeUsedToProbe() {
        var byAccount = new LookupKey(LookupKey.Kind.ACCOUNT_NUMBER, "9999");
        var byOwnNumber = new LookupKey(LookupKey.Kind.CALLER_NUMBER, "+15555550199");
        assertThat(AccountAccessPolicy.mayReportNotFound(true, "+15555550199", byAccount)).isTrue();
        assertThat(AccountAccessPolicy.mayReportNotFound(false, "+15555550199", byAccount)).isFalse();
        assertThat(AccountAccessPolicy.mayReportNotFound(false, "+15555550199", byOwnNumber)).isTrue();
    }
}
