package dev.voiceagent.config.agent;

import dev.voiceagent.config.publish.ConfigChanges;
import dev.voiceagent.config.publish.ConfigChanges.Change;
import dev.voiceagent.config.runtime.RuntimeConfigRepository;
import dev.voiceagent.config.support.Actors;
import dev.voiceagent.config.support.Ids;
import dev.voiceagent.config.support.JsonFields;
import dev.voiceagent.config.tenant.TenantRepository;
import dev.voiceagent.support.Problems;
import java.util.List;
import java.util.Set;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Agents: {@code PUT/GET …/agents/{agent_key}} (the contract), {@code POST/GET …/versions} (immutable snapshots),
 * {@code GET/PUT …/rollout}, {@code POST …/rollout/promote}, {@code POST …/rollout/rollback} and
 * {@code GET …/rollout/resolve?caller=} (which version a caller gets).
 */
@RestController
@RequestMapping("/api/v1/admin/tenants/{tenant_id}/agents")
public class AgentHandler {

    /** Which version a caller is served, and the sticky bucket that decided it. */
    public record Resolution(String agentKey, String agentVersionId, int bucket) {
    }

    private final TenantRepository tenants;
    private final AgentRepository agents;
    private final RuntimeConfigRepository runtimeConfigs;
    private final ConfigChanges changes;

    public AgentHandler(TenantRepository tenants, AgentRepository agents, RuntimeConfigRepository runtimeConfigs,
                        ConfigChanges changes) {
        this.tenants = tenants;
        this.agents = agents;
        this.runtimeConfigs = runtimeConfigs;
        this.changes = changes;
    }

    @PutMapping("/{agent_key}")
    public Mono<AgentRepository.Agent> putContract(@PathVariable("tenant_id") String tenantId,
                                                   @PathVariable("agent_key") String agentKey,
                                                   @RequestBody JsonNode body,
                                                   @RequestHeader(name = Actors.HEADER, required = false) String actor) {
        return tenants.requireExisting(tenantId)
                .then(Mono.fromCallable(() -> {
                    Ids.requireKey("agent_key", agentKey);
                    return AgentContract.parse(body);
                }))
                .flatMap(contract -> changes.apply(new Change(tenantId, Actors.of(actor), "agent.contract_updated"),
                        agents.find(tenantId, agentKey).map(AgentRepository.Agent::contract),
                        agents.upsert(tenantId, agentKey, contract).thenReturn(contract)))
                .then(agents.find(tenantId, agentKey));
    }

    @GetMapping
    public Mono<List<AgentRepository.Agent>> list(@PathVariable("tenant_id") String tenantId) {
        return tenants.requireExisting(tenantId).then(agents.list(tenantId).collectList());
    }

    @GetMapping("/{agent_key}")
    public Mono<AgentRepository.Agent> get(@PathVariable("tenant_id") String tenantId,
                                           @PathVariable("agent_key") String agentKey) {
        return tenants.requireExisting(tenantId).then(requireAgent(tenantId, agentKey));
    }

    /** Snapshots the agent's contract with the tenant's runtime config and the prompt version it resolves now. */
    @PostMapping("/{agent_key}/versions")
    @ResponseStatus(HttpStatus.CREATED)
    public Mono<AgentVersion> createVersion(@PathVariable("tenant_id") String tenantId,
                                            @PathVariable("agent_key") String agentKey,
                                            @RequestBody(required = false) JsonNode body,
                                            @RequestHeader(name = Actors.HEADER, required = false) String actor) {
        JsonNode request = body == null || body.isNull() ? JsonNodeFactory.instance.objectNode() : body;
        return tenants.requireExisting(tenantId)
                .then(Mono.fromCallable(() -> JsonFields.body(request, Set.of("note")).optionalString("note", 500)))
                .flatMap(note -> changes.apply(new Change(tenantId, Actors.of(actor), "agent.version_created"),
                        Mono.empty(), cutVersion(tenantId, agentKey, note.orElse(null))))
                .onErrorMap(DataIntegrityViolationException.class,
                        e -> Problems.conflict("A concurrent request created the same version; retry."));
    }

    @GetMapping("/{agent_key}/versions")
    public Mono<List<AgentVersion>> versions(@PathVariable("tenant_id") String tenantId,
                                             @PathVariable("agent_key") String agentKey) {
        return tenants.requireExisting(tenantId).then(requireAgent(tenantId, agentKey))
                .then(agents.versions(tenantId, agentKey).collectList());
    }

    @GetMapping("/{agent_key}/versions/{version_id}")
    public Mono<AgentVersion> version(@PathVariable("tenant_id") String tenantId,
                                      @PathVariable("agent_key") String agentKey,
                                      @PathVariable("version_id") String versionId) {
        return tenants.requireExisting(tenantId)
                .then(agents.version(tenantId, agentKey, versionId))
                .switchIfEmpty(Mono.error(() -> Problems.notFound("No version '" + versionId + "' of agent '"
                        + agentKey + "'.")));
    }

    @GetMapping("/{agent_key}/rollout")
    public Mono<RolloutPolicy> rollout(@PathVariable("tenant_id") String tenantId,
                                       @PathVariable("agent_key") String agentKey) {
        return tenants.requireExisting(tenantId).then(requireRollout(tenantId, agentKey));
    }

    @PutMapping("/{agent_key}/rollout")
    public Mono<RolloutPolicy> putRollout(@PathVariable("tenant_id") String tenantId,
                                          @PathVariable("agent_key") String agentKey, @RequestBody JsonNode body,
                                          @RequestHeader(name = Actors.HEADER, required = false) String actor) {
        return tenants.requireExisting(tenantId).then(requireAgent(tenantId, agentKey))
                .then(Mono.fromCallable(() -> RolloutPolicy.parse(body)))
                .flatMap(policy -> setRollout(tenantId, agentKey, policy, actor, "agent.rollout_updated"));
    }

    /** Sends every call to one version (and clears any pin): the one-call promote. */
    @PostMapping("/{agent_key}/rollout/promote")
    public Mono<RolloutPolicy> promote(@PathVariable("tenant_id") String tenantId,
                                       @PathVariable("agent_key") String agentKey, @RequestBody JsonNode body,
                                       @RequestHeader(name = Actors.HEADER, required = false) String actor) {
        return tenants.requireExisting(tenantId).then(requireAgent(tenantId, agentKey))
                .then(Mono.fromCallable(() -> JsonFields.body(body, Set.of("agent_version_id"))
                        .requiredString("agent_version_id", 100)))
                .flatMap(versionId -> setRollout(tenantId, agentKey, RolloutPolicy.single(versionId), actor,
                        "agent.rollout_promoted"));
    }

    /** Restores the previous rollout policy in one call. */
    @PostMapping("/{agent_key}/rollout/rollback")
    public Mono<RolloutPolicy> rollback(@PathVariable("tenant_id") String tenantId,
                                        @PathVariable("agent_key") String agentKey,
                                        @RequestHeader(name = Actors.HEADER, required = false) String actor) {
        return tenants.requireExisting(tenantId).then(requireRollout(tenantId, agentKey))
                .flatMap(current -> changes.apply(new Change(tenantId, Actors.of(actor), "agent.rollout_rolled_back"),
                        Mono.just(current), agents.rollback(tenantId, agentKey)
                                .switchIfEmpty(Mono.error(() -> Problems.conflict("No earlier rollout to return to.")))));
    }

    @GetMapping("/{agent_key}/rollout/resolve")
    public Mono<Resolution> resolve(@PathVariable("tenant_id") String tenantId,
                                    @PathVariable("agent_key") String agentKey,
                                    @RequestParam("caller") String caller) {
        return tenants.requireExisting(tenantId).then(requireRollout(tenantId, agentKey))
                .map(policy -> new Resolution(agentKey, policy.choose(agentKey, caller),
                        RolloutPolicy.bucket(agentKey, caller)));
    }

    private Mono<AgentVersion> cutVersion(String tenantId, String agentKey, String note) {
        return requireAgent(tenantId, agentKey).flatMap(agent -> runtimeConfigs.find(tenantId)
                .switchIfEmpty(Mono.error(() -> Problems.conflict("The tenant has no runtime config to snapshot.")))
                .flatMap(runtime -> agents.createVersion(tenantId, agentKey, agent.contract(), runtime,
                        runtime.promptVersion() == null ? 0 : runtime.promptVersion(), note))
                .flatMap(version -> agent.rollout() != null ? Mono.just(version)
                        : agents.setRollout(tenantId, agentKey, RolloutPolicy.single(version.agentVersionId()))
                                .thenReturn(version)));
    }

    private Mono<RolloutPolicy> setRollout(String tenantId, String agentKey, RolloutPolicy policy, String actor,
                                           String action) {
        Mono<RolloutPolicy> work = requireVersions(tenantId, agentKey, policy)
                .then(agents.setRollout(tenantId, agentKey, policy))
                .thenReturn(policy);
        return changes.apply(new Change(tenantId, Actors.of(actor), action),
                agents.find(tenantId, agentKey).mapNotNull(AgentRepository.Agent::rollout), work);
    }

    private Mono<Void> requireVersions(String tenantId, String agentKey, RolloutPolicy policy) {
        return reactor.core.publisher.Flux.fromIterable(policy.versionIds())
                .concatMap(id -> agents.version(tenantId, agentKey, id)
                        .switchIfEmpty(Mono.error(() -> Problems.invalidField(fieldOf(policy, id),
                                "no version '" + id + "' of agent '" + agentKey + "'"))))
                .then();
    }

    private static String fieldOf(RolloutPolicy policy, String versionId) {
        for (int i = 0; i < policy.splits().size(); i++) {
            if (policy.splits().get(i).agentVersionId().equals(versionId)) {
                return "splits[" + i + "].agent_version_id";
            }
        }
        return "pinned_version_id";
    }

    private Mono<AgentRepository.Agent> requireAgent(String tenantId, String agentKey) {
        return agents.find(tenantId, agentKey)
                .switchIfEmpty(Mono.error(() -> Problems.notFound("No agent '" + agentKey + "'.")));
    }

    private Mono<RolloutPolicy> requireRollout(String tenantId, String agentKey) {
        return requireAgent(tenantId, agentKey)
                .flatMap(agent -> Mono.justOrEmpty(agent.rollout()))
                .switchIfEmpty(Mono.error(() -> Problems.notFound("Agent '" + agentKey
                        + "' has no versions yet, so no rollout.")));
    }
}
