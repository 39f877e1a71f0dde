package dev.voiceagent.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The config service's published view of one tenant (compacted topic, keyed by tenant id): everything the
 * gateway and the bridge need on the call path, so that no call waits on a synchronous config lookup.
 * Fields added later (tenant {@code limits}; per agent {@code versions} and {@code rollout}) decode to empty
 * values from older records, never to null.
 */
public record TenantConfigPublished(String tenantId, String displayName, boolean enabled,
                                    List<String> phoneNumbers, String timeZone, RuntimeConfig runtimeConfig,
                                    List<String> apiKeyHashes, List<AgentView> agents, long revision,
                                    TenantLimits limits) implements VoiceEvent {

    public TenantConfigPublished {
        limits = limits == null ? TenantLimits.NONE : limits;
    }

    /** The view without tenant limits (the shape before limits were published). */
    public TenantConfigPublished(String tenantId, String displayName, boolean enabled, List<String> phoneNumbers,
                                 String timeZone, RuntimeConfig runtimeConfig, List<String> apiKeyHashes,
                                 List<AgentView> agents, long revision) {
        this(tenantId, displayName, enabled, phoneNumbers, timeZone, runtimeConfig, apiKeyHashes, agents, revision,
                TenantLimits.NONE);
    }

    /**
     * Model settings for the tenant's calls; {@code instructions} is the resolved prompt text. {@code webhook_url}
     * receives the tenant's signed events and {@code on_call_number} (E.164) the SLA alerts by SMS.
     */
    public record RuntimeConfig(String model, String voice, String systemPromptKey, int promptVersion,
                                String instructions, String webhookUrl, String language, String greeting,
                                CallLimits limits, String onCallNumber) {

        public RuntimeConfig {
            limits = limits == null ? CallLimits.NONE : limits;
        }

        /** The runtime config without an on-call number (the shape before it was published). */
        public RuntimeConfig(String model, String voice, String systemPromptKey, int promptVersion,
                             String instructions, String webhookUrl, String language, String greeting,
                             CallLimits limits) {
            this(model, voice, systemPromptKey, promptVersion, instructions, webhookUrl, language, greeting, limits,
                    null);
        }

        /** The runtime config without call limits (the shape before limits were published). */
        public RuntimeConfig(String model, String voice, String systemPromptKey, int promptVersion,
                             String instructions, String webhookUrl, String language, String greeting) {
            this(model, voice, systemPromptKey, promptVersion, instructions, webhookUrl, language, greeting,
                    CallLimits.NONE, null);
        }
    }

    /** Per-call limits of the runtime config; a null field is not limited by the tenant (platform default). */
    public record CallLimits(Integer maxCallDurationSeconds, Integer maxToolCalls, Integer silenceTimeoutSeconds,
                             Integer maxSilencePrompts) {

        public static final CallLimits NONE = new CallLimits(null, null, null, null);
    }

    /** Tenant-wide limits; a null field is not limited by the tenant (platform default). */
    public record TenantLimits(Integer maxConcurrentCalls, Integer callsPerMinute, Integer maxCallDurationSeconds) {

        public static final TenantLimits NONE = new TenantLimits(null, null, null);
    }

    /**
     * An agent: {@code agent_version_id} is the version the rollout serves by default (the pin, else the largest
     * share) and {@code allowed_tools}/{@code fallback_destination} are that version's; {@code versions} describes
     * every version a call can be given (those the rollout names, plus the newest) and {@code rollout} how a call
     * is assigned one ({@code RolloutSelector} in voice-service-support implements it).
     */
    public record AgentView(String agentKey, String agentVersionId, List<String> allowedTools,
                            String fallbackDestination, List<VersionView> versions, Rollout rollout) {

        public AgentView {
            versions = versions == null ? List.of() : List.copyOf(versions);
            rollout = rollout == null ? Rollout.NONE : rollout;
        }

        /** An agent with only its default version (no version details, no rollout): every call gets it. */
        public AgentView(String agentKey, String agentVersionId, List<String> allowedTools,
                         String fallbackDestination) {
            this(agentKey, agentVersionId, allowedTools, fallbackDestination, List.of(), Rollout.NONE);
        }

        /** The details of one version, when the view carries them. */
        public java.util.Optional<VersionView> version(String versionId) {
            return versions.stream().filter(v -> v.agentVersionId().equals(versionId)).findFirst();
        }

        /** The runtime config a call on {@code versionId} runs with: the version's own, else the tenant's current one. */
        public RuntimeConfig runtimeConfigOf(String versionId, RuntimeConfig tenantCurrent) {
            return version(versionId).map(VersionView::runtimeConfig).orElse(tenantCurrent);
        }

        /** The tools a call on {@code versionId} may use: that version's, else (unknown version) the default's. */
        public List<String> allowedToolsOf(String versionId) {
            return version(versionId).map(VersionView::allowedTools).orElse(allowedTools);
        }
    }

    /**
     * One immutable agent version as the call path needs it: its tool scope, its intents (class, tools, handoff
     * target), where it hands over (targets, business hours, out-of-hours action), the limits that trigger a
     * hand-over, the consents it must obtain, and the runtime config it was cut with ({@code runtime_config}: model,
     * voice, the prompt text of its prompt version, language, greeting, call limits), so a call on this version
     * sounds the same however the tenant's current runtime config changes. Views published before versions carried
     * their runtime config have none; the tenant's current one applies then.
     */
    public record VersionView(String agentVersionId, List<String> allowedTools, List<IntentView> intents,
                              List<HandoffTarget> handoffTargets, BusinessHours businessHours, String outOfHours,
                              HandoffLimits limits, List<String> consents, String fallbackDestination,
                              RuntimeConfig runtimeConfig) {

        public VersionView {
            allowedTools = allowedTools == null ? List.of() : List.copyOf(allowedTools);
            intents = intents == null ? List.of() : List.copyOf(intents);
            handoffTargets = handoffTargets == null ? List.of() : List.copyOf(handoffTargets);
            consents = consents == null ? List.of() : List.copyOf(consents);
        }

        /** A version without its own runtime config. */
        public VersionView(String agentVersionId, List<String> allowedTools, List<IntentView> intents,
                           List<HandoffTarget> handoffTargets, BusinessHours businessHours, String outOfHours,
                           HandoffLimits limits, List<String> consents, String fallbackDestination) {
            this(agentVersionId, allowedTools, intents, handoffTargets, businessHours, outOfHours, limits, consents,
                    fallbackDestination, null);
        }
    }

    /** An intent: {@code class} is {@code resolvable}, {@code triage_only} or {@code must_transfer}. */
    public record IntentView(String name, @JsonProperty("class") String intentClass, List<String> tools,
                             String handoffTarget) {

        public IntentView {
            tools = tools == null ? List.of() : List.copyOf(tools);
        }
    }

    /** A human queue reachable by phone. */
    public record HandoffTarget(String name, String phoneNumber) {
    }

    /** Opening hours in a time zone, as weekly windows; no business hours means always open. */
    public record BusinessHours(String timeZone, List<Window> windows) {

        public BusinessHours {
            windows = windows == null ? List.of() : List.copyOf(windows);
        }
    }

    /** One weekly opening window: {@code day} is {@code mon}…{@code sun}, times are local {@code HH:mm}. */
    public record Window(String day, String opens, String closes) {
    }

    /**
     * What makes the agent hand over: policy violations and authentication failures allowed, what to do about
     * payment ({@code transfer|callback|refuse}) and safety ({@code transfer|end_call}), and the confidence
     * below which it escalates.
     */
    public record HandoffLimits(Integer maxPolicyViolations, Integer maxAuthenticationFailures, String payment,
                                String safety, Double confidenceThreshold) {
    }

    /**
     * How calls are assigned a version: a caller pinned in {@code pins} (caller number → version) gets that
     * version; else {@code pinned_version_id} when set; else, with {@code splits}, the split owning the caller's
     * sticky bucket ({@code sticky_by_caller}) or a random bucket; else the agent's default version.
     */
    public record Rollout(List<Split> splits, boolean stickyByCaller, Map<String, String> pins,
                          String pinnedVersionId) {

        /** No rollout: every call gets the agent's default version. */
        public static final Rollout NONE = new Rollout(List.of(), true, Map.of(), null);

        public Rollout {
            splits = splits == null ? List.of() : List.copyOf(splits);
            pins = pins == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(pins));
        }
    }

    /** One version's share of the calls, in percent with at most two decimals; splits add up to 100. */
    public record Split(String agentVersionId, double percent) {
    }
}
