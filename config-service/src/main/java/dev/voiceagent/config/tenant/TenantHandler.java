package dev.voiceagent.config.tenant;

import dev.voiceagent.config.prompt.PromptRepository;
import dev.voiceagent.config.publish.ConfigChanges;
import dev.voiceagent.config.publish.ConfigChanges.Change;
import dev.voiceagent.config.runtime.RuntimeConfigRepository;
import dev.voiceagent.config.runtime.RuntimeConfigRequest;
import dev.voiceagent.config.support.Actors;
import dev.voiceagent.config.support.ConfigProperties;
import dev.voiceagent.config.support.Ids;
import dev.voiceagent.support.Problems;
import java.util.Map;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * {@code PUT/GET/DELETE /api/v1/admin/tenants/{tenant_id}}: create or replace, read, disable (data kept). A new
 * tenant starts with the configured default runtime config and a {@code support_default} prompt.
 */
@RestController
@RequestMapping("/api/v1/admin/tenants/{tenant_id}")
public class TenantHandler {

    private final TenantRepository tenants;
    private final RuntimeConfigRepository runtimeConfigs;
    private final PromptRepository prompts;
    private final ConfigChanges changes;
    private final ConfigProperties properties;

    public TenantHandler(TenantRepository tenants, RuntimeConfigRepository runtimeConfigs, PromptRepository prompts,
                         ConfigChanges changes, ConfigProperties properties) {
        this.tenants = tenants;
        this.runtimeConfigs = runtimeConfigs;
        this.prompts = prompts;
        this.changes = changes;
        this.properties = properties;
    }

    @PutMapping
    public Mono<ResponseEntity<Tenant>> put(@PathVariable("tenant_id") String tenantId, @RequestBody JsonNode body,
                                            @RequestHeader(name = Actors.HEADER, required = false) String actor) {
        return Mono.fromCallable(() -> {
                    Ids.requireKey("tenant_id", tenantId);
                    return TenantRequest.parse(tenantId, body, properties.newTenant().timeZone());
                })
                .flatMap(request -> tenants.find(tenantId)
                        .map(existing -> replace(tenantId, request, existing, Actors.of(actor)))
                        .defaultIfEmpty(Mono.defer(() -> create(tenantId, request, Actors.of(actor))))
                        .flatMap(created -> created))
                .onErrorMap(DataIntegrityViolationException.class, e -> raced(tenantId));
    }

    @GetMapping
    public Mono<Tenant> get(@PathVariable("tenant_id") String tenantId) {
        return tenants.require(tenantId);
    }

    /** Disables the tenant: its view stays published with {@code enabled=false}, so calls are refused politely. */
    @DeleteMapping
    public Mono<Tenant> disable(@PathVariable("tenant_id") String tenantId,
                                @RequestHeader(name = Actors.HEADER, required = false) String actor) {
        return tenants.require(tenantId)
                .flatMap(existing -> changes.apply(new Change(tenantId, Actors.of(actor), "tenant.disabled"),
                        Mono.just(existing), tenants.disable(tenantId).thenReturn(Map.of("enabled", false))))
                .then(tenants.require(tenantId));
    }

    private Mono<ResponseEntity<Tenant>> replace(String tenantId, TenantRequest request, Tenant before, String actor) {
        return changes.apply(new Change(tenantId, actor, "tenant.updated"), Mono.just(before),
                        tenants.update(tenantId, request).thenReturn(request))
                .then(tenants.require(tenantId))
                .map(ResponseEntity::ok);
    }

    private Mono<ResponseEntity<Tenant>> create(String tenantId, TenantRequest request, String actor) {
        ConfigProperties.NewTenant defaults = properties.newTenant();
        RuntimeConfigRequest runtime = new RuntimeConfigRequest(defaults.model(), defaults.voice(),
                defaults.promptKey(), null, null, null, Map.of(), null);
        Mono<TenantRequest> work = tenants.insert(tenantId, request)
                .then(prompts.append(tenantId, defaults.promptKey(), defaults.promptText()))
                .then(runtimeConfigs.upsert(tenantId, runtime))
                .thenReturn(request);
        return changes.apply(new Change(tenantId, actor, "tenant.created"), Mono.empty(), work)
                .then(tenants.require(tenantId))
                .map(tenant -> ResponseEntity.status(HttpStatus.CREATED).body(tenant));
    }

    /** Two writers raced on the same tenant or number; the loser retries. */
    private static RuntimeException raced(String tenantId) {
        return Problems.conflict("A concurrent change to tenant '" + tenantId
                + "' or one of its phone numbers won; retry the request.");
    }
}
