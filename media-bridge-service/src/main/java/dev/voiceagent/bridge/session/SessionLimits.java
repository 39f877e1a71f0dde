package dev.voiceagent.bridge.session;

import dev.voiceagent.bridge.support.BridgeProperties;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.TenantConfigPublished.CallLimits;
import java.time.Duration;

/**
 * The per-call limits one call runs under, resolved once at its start: the runtime config's {@code limits} (the call's
 * agent version's snapshot when the view carries it, else the tenant's current runtime config, as for the model and
 * voice) over the bridge's idle defaults, and the tenant's own {@code max_call_duration_seconds}. Resolving them once
 * means a tenant changing its limits mid-call does not move the goalposts of a call already running.
 *
 * @param silenceTimeout   silence on both sides before the agent prompts the caller; zero switches the prompts off
 * @param maxSilencePrompts unanswered prompts before the goodbye and hang-up
 * @param maxCallDuration  when the call is ended with a goodbye, counted from the stream's start; null: no limit
 * @param maxToolCalls     tool calls the agent may make in the call; null: no limit
 */
record SessionLimits(Duration silenceTimeout, int maxSilencePrompts, Duration maxCallDuration, Integer maxToolCalls) {

    /** The limits of a call on {@code agentVersionId}; unset fields fall back to {@code idle} or to no limit. */
    static SessionLimits of(TenantConfigPublished tenant, AgentView agent, String agentVersionId,
                            BridgeProperties.Idle idle) {
        TenantConfigPublished.RuntimeConfig runtime = SessionSetup.runtimeOf(tenant, agent, agentVersionId);
        CallLimits call = runtime == null ? CallLimits.NONE : runtime.limits();
        Duration silence = positive(call.silenceTimeoutSeconds()) != null
                ? Duration.ofSeconds(call.silenceTimeoutSeconds()) : idle.promptAfter();
        int prompts = call.maxSilencePrompts() != null && call.maxSilencePrompts() >= 0
                ? call.maxSilencePrompts() : idle.maxPrompts();
        // both the runtime config and the tenant may cap a call; the stricter one holds
        Integer seconds = smaller(positive(call.maxCallDurationSeconds()),
                positive(tenant.limits().maxCallDurationSeconds()));
        return new SessionLimits(silence, prompts, seconds == null ? null : Duration.ofSeconds(seconds),
                positive(call.maxToolCalls()));
    }

    /** A value the config service would have rejected (zero or less) counts as unset rather than as "nothing". */
    private static Integer positive(Integer value) {
        return value == null || value <= 0 ? null : value;
    }

    private static Integer smaller(Integer a, Integer b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return Math.min(a, b);
    }
}
