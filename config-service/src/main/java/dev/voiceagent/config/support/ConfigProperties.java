package dev.voiceagent.config.support;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the config service ({@code voice.config.*}): the model and voice allow-lists, what a new tenant
 * starts with, the agent served until a tenant defines its own, the publishing cadence and the rollout rules.
 */
@ConfigurationProperties("voice.config")
public record ConfigProperties(
        @DefaultValue({"gpt-realtime", "gpt-realtime-mini", "gpt-4o-realtime-preview", "gpt-4o-mini-realtime-preview"})
        List<String> models,
        @DefaultValue({"alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"})
        List<String> voices,
        @DefaultValue NewTenant newTenant,
        @DefaultValue DefaultAgent defaultAgent,
        @DefaultValue Publishing publishing,
        @DefaultValue Rollout rollout) {

    /** What every tenant gets on creation, so the documented runtime-config example works at once. */
    public record NewTenant(
            @DefaultValue("UTC") String timeZone,
            @DefaultValue("gpt-realtime") String model,
            @DefaultValue("alloy") String voice,
            @DefaultValue("support_default") String promptKey,
            @DefaultValue("You are a friendly, concise phone support agent. Greet the caller, find out what they need, "
                    + "use the tools you are given to look things up, and offer a callback from a human when you "
                    + "cannot resolve the request. Never invent account details.")
            String promptText) {
    }

    /** The agent a tenant's view carries until the tenant has an agent with a version. */
    public record DefaultAgent(
            @DefaultValue("default") String agentKey,
            @DefaultValue("default-v1") String agentVersionId,
            @DefaultValue({"lookup", "callback", "noop"}) List<String> allowedTools,
            @DefaultValue("callback") String fallbackDestination) {
    }

    /**
     * Outbox relay cadence: {@code interval} is the safety-net poll; {@code awaitOnWrite} is how long an admin
     * request waits for its change to be on the topic before answering anyway (the outbox still delivers it).
     */
    public record Publishing(
            @DefaultValue("2s") Duration interval,
            @DefaultValue("5s") Duration awaitOnWrite,
            @DefaultValue("100") int batchSize) {
    }

    /**
     * Rollout rules: a version may take more than {@code canaryMaxPercent} of an agent's calls (or be pinned or
     * promoted) only if its latest launch gate passed; {@code newestVersions} is how many of an agent's newest
     * versions the published view describes besides those the rollout names (so make-call can ask for them).
     */
    public record Rollout(
            @DefaultValue("10") double canaryMaxPercent,
            @DefaultValue("1") int newestVersions) {
    }
}
