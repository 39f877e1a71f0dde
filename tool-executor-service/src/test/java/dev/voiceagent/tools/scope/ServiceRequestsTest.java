package dev.voiceagent.tools.scope;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.ToolName;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServiceRequestsTest {

    static final String ON_CALL = "+15555550142";

    static Optional<TenantConfigPublished> tenant(boolean enabled, String onCall) {
        var runtime = new TenantConfigPublished.RuntimeConfig("m", "v", "p", 1, "i", null, "en", null, null, onCall);
        return Optional.of(new TenantConfigPublished("acme", "Acme", enabled, List.of("+15555550000"), "UTC", runtime,
                List.of(), List.of(), 1));
    }

    @Test
    void onlyTheCallbackServiceActsOnItsOwn() {
        assertThat(ServiceRequests.isServiceRequest("callback-service")).isTrue();
        assertThat(ServiceRequests.isServiceRequest("media-bridge-service")).isFalse();
        assertThat(ServiceRequests.isServiceRequest(null)).isFalse();
    }

    @Test
    void allowsAnSmsToTheTenantsOnCallNumber() {
        assertThat(ServiceRequests.check(tenant(true, ON_CALL), "sms", ON_CALL))
                .isEqualTo(new ToolScope.Allowed(ToolName.SMS, null));
    }

    @Test
    void deniesAnyOtherToolRecipientOrTenantState() {
        assertThat(ServiceRequests.check(tenant(true, ON_CALL), "escalation", ON_CALL)).isInstanceOf(ToolScope.Denied.class);
        assertThat(ServiceRequests.check(tenant(true, ON_CALL), "sms", "+15555550143")).isInstanceOf(ToolScope.Denied.class);
        assertThat(ServiceRequests.check(tenant(true, ON_CALL), "sms", null)).isInstanceOf(ToolScope.Denied.class);
        assertThat(ServiceRequests.check(tenant(true, null), "sms", null)).isInstanceOf(ToolScope.Denied.class);
        assertThat(ServiceRequests.check(tenant(false, ON_CALL), "sms", ON_CALL)).isInstanceOf(ToolScope.Denied.class);
        assertThat(ServiceRequests.check(Optional.empty(), "sms", ON_CALL)).isInstanceOf(ToolScope.Denied.class);
    }
}
