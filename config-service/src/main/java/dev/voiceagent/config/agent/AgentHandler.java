package dev.voiceagent.config.agent;

import dev.voiceagent.config.publish.ConfigChanges;
import dev.voiceagent.config.publish.ConfigChanges.Change;
import dev.voiceagent.config.runtime.RuntimeConfigRepository;
import dev.voiceagent.config.support.Actors;
import dev.voiceagent.config.support.Ids;
import dev.voiceagent.config.support.JsonFields;
import dev.voiceagent.config.tenant.TenantRepository;
import dev.voiceagent.config.support.ConfigProperties;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.tenant.RolloutSelector;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;
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
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Agents: {@code PUT/GET …/agents/{agent_key}} (the contract), {@code POST/GET …/versions} (immutable snapshots),
 * {@code PUT/GET …/versions/{id}/gate-result} (launch gates), {@code GET/PUT …/rollout},
 * {@code POST …/rollout/promote}, {@code POST …/rollout/rollback} and {@code GET …/rollout/resolve?caller=}
 * (which version a caller gets). A rollout that gives a version more than the canary share, more than it had,
 * is refused (409, naming the field) unless the version's latest launch gate passed.
 */
@RestController
@RequestMapping("/api/v1/admin/tenants/{tenant_id}/agents")
public class AgentHandler {

    /**
     * Which version a caller is served, the caller's sticky bucket, and why ({@code caller_pin}, {@code pinned},
     * {@code split} or {@code default}).
     */
    public record Resolution(String agentKey, String agentVersionId, int bucket, String reason) {
    }

    private static final String PROMOTED = "agent.rollout_promoted";

    private final TenantRepository tenants;
    private final AgentRepository agents;
    private final RuntimeConfigRepository runtimeConfigs;
    private final ConfigChanges changes;
    private final LaunchGates gates;
    private final GateResults gateResults;
    private final ConfigProperties.Rollout rules;

    public AgentHandler(TenantRepository tenants, AgentRepository agents, RuntimeConfigRepository runtimeConfigs,
                        ConfigChanges changes, LaunchGates gates, GateResults gateResults,
                        ConfigProperties properties) {
        this.tenants = tenants;
        this.agents = agents;
        this.runtimeConfigs = runtimeConfigs;
        this.changes = changes;
        this.gates = gates;
        this.gateResults = gateResults;
        this.rules = properties.rollout();
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

    /**
     * Records a launch gate result for a version by hand: the manual override of the evaluation service's
     * {@code voice.launch_gate.evaluated}, through the same {@link GateResults} path. The latest result counts.
     */
    @PutMapping("/{agent_key}/versions/{version_id}/gate-result")
    public Mono<LaunchGates.GateResult> putGateResult(@PathVariable("tenant_id") String tenantId,
                                                      @PathVariable("agent_key") String agentKey,
                                                      @PathVariable("version_id") String versionId,
                                                      @RequestBody JsonNode body,
                                                      @RequestHeader(name = Actors.HEADER, required = false) String actor) {
        return tenants.requireExisting(tenantId).then(requireVersion(tenantId, agentKey, versionId))
                .then(Mono.fromCallable(() -> LaunchGates.GateReport.parse(body)))
                .flatMap(report -> gateResults.recordByAdmin(tenantId, agentKey, versionId, report, Actors.of(actor)));
    }

    @GetMapping("/{agent_key}/versions/{version_id}/gate-result")
    public Mono<LaunchGates.GateResult> gateResult(@PathVariable("tenant_id") String tenantId,
                                                   @PathVariable("agent_key") String agentKey,
                                                   @PathVariable("version_id") String versionId) {
        return tenants.requireExisting(tenantId).then(requireVersion(tenantId, agentKey, versionId))
                .then(gates.latest(tenantId, versionId))
                .switchIfEmpty(Mono.error(() -> Problems.notFound("Version '" + versionId
                        + "' has no launch gate result yet.")));
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
                        PROMOTED));
    }

    /** Restores the previous rollout policy in one call. */
    @PostMapping("/{agent_key}/rollout/rollback")
    public Mono<RolloutPolicy> rollback(@PathVariable("tenant_id") String tenantId,
                                        @PathVariable("agent_key") String agentKey,
                                        @RequestHeader(name = Actors.HEADER, required = false) String actor) {
        return tenants.requireExisting(tenantId).then(requireRollout(tenantId, agentKey))
                .flatMap(exists -> changes.apply(new Change(tenantId, Actors.of(actor), "agent.rollout_rolled_back"),
                        currentRollout(tenantId, agentKey), agents.rollback(tenantId, agentKey)
                                .switchIfEmpty(Mono.error(() -> Problems.conflict("No earlier rollout to return to.")))));
    }

    @GetMapping("/{agent_key}/rollout/resolve")
    public Mono<Resolution> resolve(@PathVariable("tenant_id") String tenantId,
                                    @PathVariable("agent_key") String agentKey,
                                    @RequestParam("caller") String rawCaller) {
        // an unencoded "+" in a query string arrives as a space: "?caller=+1555…" must still mean +1555…
        String caller = rawCaller.startsWith(" ") ? "+" + rawCaller.strip() : rawCaller.strip();
        return tenants.requireExisting(tenantId).then(requireRollout(tenantId, agentKey))
                .map(policy -> policy.select(agentKey, caller))
                .map(selection -> new Resolution(agentKey, selection.agentVersionId(),
                        RolloutPolicy.bucket(agentKey, caller),
                        selection.reason().name().toLowerCase(java.util.Locale.ROOT)));
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
                .then(agents.policies(tenantId, agentKey).collectList())
                .flatMap(earlier -> requireGates(tenantId, policy, earlier, PROMOTED.equals(action)))
                .then(agents.setRollout(tenantId, agentKey, policy))
                .thenReturn(policy);
        return changes.apply(new Change(tenantId, Actors.of(actor), action), currentRollout(tenantId, agentKey), work);
    }

    /** The agent's rollout policy as the change's transaction reads it, for the audit's "before". */
    private Mono<RolloutPolicy> currentRollout(String tenantId, String agentKey) {
        return agents.find(tenantId, agentKey).mapNotNull(AgentRepository.Agent::rollout);
    }

    /**
     * Refuses (409, naming the field and the reason) a share above the canary cap, above any the version held
     * before, without a passed launch gate.
     */
    private Mono<Void> requireGates(String tenantId, RolloutPolicy policy, List<RolloutPolicy> earlier,
                                    boolean promote) {
        long cap = RolloutSelector.basisPoints(rules.canaryMaxPercent());
        return Flux.fromIterable(policy.needingGate(earlier, cap))
                .concatMap(versionId -> gates.latest(tenantId, versionId)
                        .map(Optional::of)
                        .defaultIfEmpty(Optional.empty())
                        .flatMap(gate -> gate.filter(LaunchGates.GateResult::passed).isPresent() ? Mono.<Void>empty()
                                : Mono.error(gateRefusal(promote ? "agent_version_id" : gateField(policy, versionId),
                                        versionId, gate.orElse(null)))))
                .then();
    }

    private static String gateField(RolloutPolicy policy, String versionId) {
        String field = policy.fieldOf(versionId);
        return field.startsWith("splits[") ? field + ".percent" : field;
    }

    private ErrorResponseException gateRefusal(String field, String versionId, LaunchGates.GateResult gate) {
        String why = gate == null ? "it has no launch gate result"
                : "its latest launch gate failed (" + gate.recordedAt()
                        + (gate.score() == null ? "" : ", score " + gate.score()) + ")";
        String detail = versionId + " may take at most " + BigDecimal.valueOf(rules.canaryMaxPercent())
                .stripTrailingZeros().toPlainString() + "% of calls until its launch gate passes; " + why;
        ErrorResponseException refusal = Problems.of(HttpStatus.CONFLICT, "Launch gate not passed",
                field + ": " + detail);
        refusal.getBody().setProperty("errors", List.of(Map.of("field", field, "detail", detail)));
        refusal.getBody().setProperty("agent_version_id", versionId);
        return refusal;
    }

    private Mono<Void> requireVersions(String tenantId, String agentKey, RolloutPolicy policy) {
        return Flux.fromIterable(policy.versionIds())
                .concatMap(id -> agents.version(tenantId, agentKey, id)
                        .switchIfEmpty(Mono.error(() -> Problems.invalidField(versionField(policy, id),
                                "no version '" + id + "' of agent '" + agentKey + "'"))))
                .then();
    }

    private static String versionField(RolloutPolicy policy, String versionId) {
        String field = policy.fieldOf(versionId);
        return field.startsWith("splits[") ? field + ".agent_version_id" : field;
    }

    private Mono<AgentVersion> requireVersion(String tenantId, String agentKey, String versionId) {
        return agents.version(tenantId, agentKey, versionId)
                .switchIfEmpty(Mono.error(() -> Problems.notFound("No version '" + versionId + "' of agent '"
                        + agentKey + "'.")));
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
