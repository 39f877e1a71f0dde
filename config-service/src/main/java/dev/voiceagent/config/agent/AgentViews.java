package dev.voiceagent.config.agent;

import dev.voiceagent.config.runtime.RuntimeConfigView;
import dev.voiceagent.config.support.ConfigProperties;
import dev.voiceagent.config.support.Limits;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.TenantConfigPublished.RuntimeConfig;
import dev.voiceagent.contracts.TenantConfigPublished.VersionView;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The agents a tenant's published view carries: for each agent with a rollout, the version the rollout serves by
 * default with its tools, the rollout itself, and the details (tool scope, intents, handoff, limits) of every
 * version a call can be given: those the rollout names plus the newest ones. Until a tenant has such an agent,
 * the configured default agent ({@code default} / {@code default-v1}), so the first call works.
 */
@Component
public class AgentViews {

    private final DatabaseClient db;
    private final JsonMapper json;
    private final ConfigProperties.DefaultAgent defaultAgent;
    private final int newestVersions;

    public AgentViews(DatabaseClient db, JsonMapper json, ConfigProperties properties) {
        this.db = db;
        this.json = json;
        this.defaultAgent = properties.defaultAgent();
        this.newestVersions = Math.max(1, properties.rollout().newestVersions());
    }

    public Mono<List<AgentView>> forTenant(String tenantId) {
        return rollouts(tenantId)
                .flatMap(rollouts -> rollouts.isEmpty() ? Mono.just(List.<AgentView>of())
                        : versions(tenantId, rollouts).map(versions -> views(rollouts, versions)))
                .map(views -> views.isEmpty() ? List.of(defaultView()) : views);
    }

    AgentView defaultView() {
        return new AgentView(defaultAgent.agentKey(), defaultAgent.agentVersionId(),
                List.copyOf(defaultAgent.allowedTools()), defaultAgent.fallbackDestination());
    }

    /** One agent's view: the default version's scope, the rollout and the version details (newest first). */
    static AgentView view(String agentKey, RolloutPolicy policy, List<StoredVersion> versions) {
        Map<String, StoredVersion> byId = versions.stream()
                .collect(Collectors.toMap(StoredVersion::agentVersionId, v -> v, (a, b) -> a));
        StoredVersion served = byId.get(policy.servedVersionId());
        if (served == null) {
            return null;
        }
        return new AgentView(agentKey, served.agentVersionId(), served.contract().allowedTools(),
                served.contract().fallbackDestination(),
                versions.stream().map(v -> versionView(v.agentVersionId(), v.contract(), v.runtimeConfig())).toList(),
                policy.toRollout());
    }

    /** What the call path needs of one version: its contract and the runtime config it was cut with. */
    static VersionView versionView(String versionId, AgentContract contract, RuntimeConfig runtimeConfig) {
        AgentContract.Handoff handoff = contract.handoff();
        AgentContract.ContractLimits limits = contract.limits();
        return new VersionView(versionId, contract.allowedTools(),
                contract.intents().stream().map(i -> new TenantConfigPublished.IntentView(i.name(), i.intentClass(),
                        i.tools(), i.handoffTarget())).toList(),
                handoff.targets().stream().map(t -> new TenantConfigPublished.HandoffTarget(t.name(), t.phoneNumber()))
                        .toList(),
                businessHours(handoff.businessHours()), handoff.outOfHours(),
                limits == null ? null : new TenantConfigPublished.HandoffLimits(limits.maxPolicyViolations(),
                        limits.maxAuthenticationFailures(), limits.payment(), limits.safety(),
                        limits.confidenceThreshold()),
                contract.consents(), contract.fallbackDestination(), runtimeConfig);
    }

    private static TenantConfigPublished.BusinessHours businessHours(AgentContract.BusinessHours hours) {
        if (hours == null) {
            return null;
        }
        List<TenantConfigPublished.Window> windows = new ArrayList<>();
        for (String day : AgentContract.DAYS) {
            String range = hours.days().get(day);
            if (range != null) {
                windows.add(new TenantConfigPublished.Window(day, range.substring(0, 5), range.substring(6)));
            }
        }
        return new TenantConfigPublished.BusinessHours(hours.timeZone(), windows);
    }

    private Mono<Map<String, RolloutPolicy>> rollouts(String tenantId) {
        return db.sql("SELECT agent_key, policy::text AS policy FROM agent_rollouts WHERE tenant_id = :tenant "
                        + "ORDER BY agent_key")
                .bind("tenant", tenantId)
                .map((row, meta) -> Map.entry(row.get("agent_key", String.class),
                        RolloutPolicy.fromJson(json.readTree(row.get("policy", String.class)))))
                .all()
                .collectMap(Map.Entry::getKey, Map.Entry::getValue, java.util.TreeMap::new);
    }

    /** The versions the rollouts name plus each agent's newest, grouped by agent, newest first. */
    private Mono<Map<String, List<StoredVersion>>> versions(String tenantId, Map<String, RolloutPolicy> rollouts) {
        Set<String> named = new LinkedHashSet<>();
        rollouts.values().forEach(policy -> named.addAll(policy.versionIds()));
        return db.sql("SELECT v.agent_key, v.id, v.contract::text AS contract, v.runtime_config::text AS runtime, "
                        + "v.prompt_version, p.text AS prompt_text FROM agent_versions v "
                        + "LEFT JOIN prompt_versions p ON p.tenant_id = v.tenant_id AND p.prompt_key = v.prompt_key "
                        + "AND p.version = v.prompt_version "
                        + "WHERE v.tenant_id = :tenant AND (v.id = ANY(:ids) OR v.version > (SELECT MAX(w.version) "
                        + "FROM agent_versions w WHERE w.tenant_id = v.tenant_id AND w.agent_key = v.agent_key) - :newest) "
                        + "ORDER BY v.agent_key, v.version DESC")
                .bind("tenant", tenantId)
                .bind("ids", named.toArray(String[]::new))
                .bind("newest", newestVersions)
                .map((row, meta) -> new StoredVersion(row.get("agent_key", String.class), row.get("id", String.class),
                        AgentContract.fromJson(json.readTree(row.get("contract", String.class))),
                        runtimeConfig(json.readValue(row.get("runtime", String.class), RuntimeConfigView.class),
                                row.get("prompt_version", Integer.class), row.get("prompt_text", String.class))))
                .all()
                .collectMultimap(StoredVersion::agentKey)
                .map(grouped -> grouped.entrySet().stream()
                        .collect(Collectors.toMap(Map.Entry::getKey, e -> List.copyOf(e.getValue()))));
    }

    private static List<AgentView> views(Map<String, RolloutPolicy> rollouts, Map<String, List<StoredVersion>> versions) {
        List<AgentView> views = new ArrayList<>();
        rollouts.forEach((agentKey, policy) -> {
            AgentView view = view(agentKey, policy, versions.getOrDefault(agentKey, List.of()));
            if (view != null) {
                views.add(view);
            }
        });
        return views;
    }

    /** A version's snapshot of the runtime config, with the text of the prompt version it was cut with. */
    static RuntimeConfig runtimeConfig(RuntimeConfigView stored, Integer promptVersion, String promptText) {
        return new RuntimeConfig(stored.model(), stored.voice(), stored.systemPromptKey(),
                promptVersion == null ? 0 : promptVersion, promptText, stored.webhookUrl(), stored.language(),
                stored.greeting(), Limits.callLimits(stored.limits() == null ? Map.of() : stored.limits()));
    }

    /** A version row as the view needs it. */
    record StoredVersion(String agentKey, String agentVersionId, AgentContract contract, RuntimeConfig runtimeConfig) {
    }
}
