package dev.voiceagent.config.runtime;

import dev.voiceagent.config.prompt.PromptRepository;
import dev.voiceagent.config.publish.ConfigChanges;
import dev.voiceagent.config.publish.ConfigChanges.Change;
import dev.voiceagent.config.support.Actors;
import dev.voiceagent.config.support.ConfigProperties;
import dev.voiceagent.config.tenant.TenantRepository;
import dev.voiceagent.support.Problems;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/** {@code PUT/GET /api/v1/admin/tenants/{tenant_id}/runtime-config}. */
@RestController
@RequestMapping("/api/v1/admin/tenants/{tenant_id}/runtime-config")
public class RuntimeConfigHandler {

    private final TenantRepository tenants;
    private final RuntimeConfigRepository runtimeConfigs;
    private final PromptRepository prompts;
    private final ConfigChanges changes;
    private final ConfigProperties properties;

    public RuntimeConfigHandler(TenantRepository tenants, RuntimeConfigRepository runtimeConfigs,
                                PromptRepository prompts, ConfigChanges changes, ConfigProperties properties) {
        this.tenants = tenants;
        this.runtimeConfigs = runtimeConfigs;
        this.prompts = prompts;
        this.changes = changes;
        this.properties = properties;
    }

    @PutMapping
    public Mono<RuntimeConfigView> put(@PathVariable("tenant_id") String tenantId, @RequestBody JsonNode body,
                                       @RequestHeader(name = Actors.HEADER, required = false) String actor) {
        return tenants.requireExisting(tenantId)
                .then(Mono.fromCallable(() -> RuntimeConfigRequest.parse(body, properties)))
                .flatMap(request -> requirePrompt(tenantId, request.systemPromptKey()).thenReturn(request))
                .flatMap(request -> changes.apply(new Change(tenantId, Actors.of(actor), "runtime_config.updated"),
                        runtimeConfigs.find(tenantId), runtimeConfigs.upsert(tenantId, request).thenReturn(request)))
                .then(runtimeConfigs.find(tenantId));
    }

    @GetMapping
    public Mono<RuntimeConfigView> get(@PathVariable("tenant_id") String tenantId) {
        return tenants.requireExisting(tenantId)
                .then(runtimeConfigs.find(tenantId))
                .switchIfEmpty(Mono.error(() -> Problems.notFound("Tenant '" + tenantId + "' has no runtime config.")));
    }

    private Mono<Void> requirePrompt(String tenantId, String key) {
        return prompts.exists(tenantId, key)
                .flatMap(exists -> exists ? Mono.<Void>empty() : Mono.error(Problems.invalidField("system_prompt_key",
                        "no prompt '" + key + "' in the tenant's prompt library")));
    }
}
