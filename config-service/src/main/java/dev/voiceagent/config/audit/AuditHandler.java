package dev.voiceagent.config.audit;

import dev.voiceagent.config.tenant.TenantRepository;
import dev.voiceagent.support.Problems;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/v1/admin/tenants/{tenant_id}/audit?limit=&before=&action=}: the tenant's change history, newest
 * first; {@code before} (an entry id) pages back, {@code action} (e.g. {@code agent.rollout_promoted}) filters.
 */
@RestController
public class AuditHandler {

    private final AuditLog audit;
    private final TenantRepository tenants;

    public AuditHandler(AuditLog audit, TenantRepository tenants) {
        this.audit = audit;
        this.tenants = tenants;
    }

    @GetMapping("/api/v1/admin/tenants/{tenant_id}/audit")
    public Mono<List<AuditLog.Entry>> list(@PathVariable("tenant_id") String tenantId,
                                           @RequestParam(name = "limit", defaultValue = "100") int limit,
                                           @RequestParam(name = "before", required = false) Long before,
                                           @RequestParam(name = "action", required = false) String action) {
        if (limit < 1 || limit > 1000) {
            return Mono.error(Problems.invalidField("limit", "must be between 1 and 1000"));
        }
        if (before != null && before < 1) {
            return Mono.error(Problems.invalidField("before", "must be an audit entry id"));
        }
        if (action != null && !action.matches("[a-z_]+\\.[a-z_]+")) {
            return Mono.error(Problems.invalidField("action", "must be an action such as tenant.updated"));
        }
        return tenants.requireExisting(tenantId).then(audit.list(tenantId, limit, before, action).collectList());
    }
}
