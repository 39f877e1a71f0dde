package dev.voiceagent.tools.scope;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.support.PhoneNumbers;
import java.util.Optional;

/**
 * Tool requests a platform service makes on its own rather than for a call's model, recognised by the envelope's
 * {@code source} (Kafka is inside the platform's trust boundary). There is one such rule: the callback service may
 * use {@code sms}, and only to text the tenant's {@code on_call_number} from its published runtime config (SLA
 * alerts). Every other tool, recipient or tenant state is denied; requests from any other source go through
 * {@link ToolScope}.
 */
public final class ServiceRequests {

    public static final String CALLBACK_SERVICE = "callback-service";

    private ServiceRequests() {
    }

    /** Whether a request with this envelope source comes from a service acting on its own. */
    public static boolean isServiceRequest(String source) {
        return CALLBACK_SERVICE.equals(source);
    }

    /** The decision for a service's request of {@code tool} with the recipient argument {@code to}. */
    public static ToolScope.Decision check(Optional<TenantConfigPublished> tenant, String tool, String to) {
        if (!ToolName.SMS.wire().equals(tool)) {
            return new ToolScope.Denied("The callback service may only send SMS alerts.");
        }
        if (tenant.isEmpty() || !tenant.get().enabled()) {
            return new ToolScope.Denied("The tenant is unknown or disabled.");
        }
        String onCall = tenant.get().runtimeConfig() == null ? null : tenant.get().runtimeConfig().onCallNumber();
        if (!PhoneNumbers.isE164(onCall)) {
            return new ToolScope.Denied("The tenant has no on-call number.");
        }
        if (!onCall.equals(to)) {
            return new ToolScope.Denied("Alerts go only to the tenant's on-call number.");
        }
        return new ToolScope.Allowed(ToolName.SMS, null);
    }
}
