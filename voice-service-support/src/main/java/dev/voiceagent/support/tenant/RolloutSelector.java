package dev.voiceagent.support.tenant;

import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.TenantConfigPublished.Rollout;
import dev.voiceagent.contracts.TenantConfigPublished.Split;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one answer to "which version serves this call": a caller pin, else the rollout's pinned version, else the
 * split owning the caller's sticky bucket, else the agent's default version. Pure and allocation-light, so the
 * gateway can call it on the event loop from the in-memory tenant view.
 *
 * <p>Sticky bucket: the first 8 bytes of SHA-256({@code agent_key + ":" + caller}) as an unsigned number mod
 * 10,000; splits take consecutive bucket ranges in list order (put the canary first, so it keeps its callers as it
 * grows). Percentages have at most two decimals, so one bucket is 0.01 %.
 */
public final class RolloutSelector {

    /** Buckets a rollout is cut into: one per 0.01 %. */
    public static final int BUCKETS = 10_000;

    /** Why a version was chosen. */
    public enum Reason { REQUESTED, CALLER_PIN, PINNED, SPLIT, DEFAULT }

    /** The chosen version, the bucket that was looked at (-1 when none was) and why. */
    public record Selection(String agentVersionId, int bucket, Reason reason) {
    }

    private RolloutSelector() {
    }

    /** The version for a call from {@code caller} (E.164, may be null) on this agent. */
    public static Selection select(AgentView agent, String caller) {
        return select(agent.agentKey(), agent.rollout(), agent.agentVersionId(), caller);
    }

    /**
     * As {@link #select(AgentView, String)}, but an explicitly requested version (make-call's
     * {@code agent_version_id}) wins when the view knows it (the default version or one of {@code versions}).
     * An unknown requested version is ignored; callers that must refuse it check {@link #knows} first.
     */
    public static Selection select(AgentView agent, String caller, String requestedVersionId) {
        if (requestedVersionId != null && knows(agent, requestedVersionId)) {
            return new Selection(requestedVersionId, -1, Reason.REQUESTED);
        }
        return select(agent, caller);
    }

    /** Whether a call may be put on {@code versionId}: the default version or a version the view describes. */
    public static boolean knows(AgentView agent, String versionId) {
        return versionId.equals(agent.agentVersionId()) || agent.version(versionId).isPresent();
    }

    /** The selection from a rollout; {@code defaultVersionId} serves when the rollout decides nothing. */
    public static Selection select(String agentKey, Rollout rollout, String defaultVersionId, String caller) {
        Rollout policy = rollout == null ? Rollout.NONE : rollout;
        String pinned = caller == null ? null : policy.pins().get(caller);
        if (pinned != null) {
            return new Selection(pinned, -1, Reason.CALLER_PIN);
        }
        if (policy.pinnedVersionId() != null) {
            return new Selection(policy.pinnedVersionId(), -1, Reason.PINNED);
        }
        if (policy.splits().isEmpty()) {
            return new Selection(defaultVersionId, -1, Reason.DEFAULT);
        }
        int bucket = policy.stickyByCaller() && caller != null
                ? bucket(agentKey, caller)
                : ThreadLocalRandom.current().nextInt(BUCKETS);
        return new Selection(inBucket(policy.splits(), bucket, defaultVersionId), bucket, Reason.SPLIT);
    }

    /** The split that owns {@code bucket}; {@code fallback} when the splits do not cover it. */
    public static String inBucket(List<Split> splits, int bucket, String fallback) {
        long upper = 0;
        for (Split split : splits) {
            upper += basisPoints(split.percent());
            if (bucket < upper) {
                return split.agentVersionId();
            }
        }
        return splits.isEmpty() ? fallback : splits.get(splits.size() - 1).agentVersionId();
    }

    /** The caller's sticky bucket in [0, 10000) for this agent. */
    public static int bucket(String agentKey, String caller) {
        byte[] digest = sha256().digest((agentKey + ":" + (caller == null ? "" : caller))
                .getBytes(StandardCharsets.UTF_8));
        long value = ByteBuffer.wrap(digest, 0, 8).getLong();
        return (int) Long.remainderUnsigned(value, BUCKETS);
    }

    /** A percentage (two decimals) in buckets. */
    public static long basisPoints(double percent) {
        return Math.round(percent * 100);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
