package dev.voiceagent.config.agent;

import dev.voiceagent.config.support.JsonFields;
import dev.voiceagent.support.Problems;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * How an agent's calls are split between its versions: percentages (in whole basis points of 0.01 %) that add up
 * to 100, sticky per caller number, or one pinned version that takes every call. {@code default_version_id} is
 * the version the published view names: the pin, else the largest share (the first one on a tie).
 *
 * <p>Sticky assignment: bucket = first 8 bytes of SHA-256({@code agent_key + ":" + caller}) as an unsigned number
 * mod 10,000; splits take consecutive bucket ranges in list order. Any service can compute the same answer.
 */
public record RolloutPolicy(List<Split> splits, String pinnedVersionId, String defaultVersionId) {

    static final int BUCKETS = 10_000;

    /** One version's share of the calls, in percent (two decimals). */
    public record Split(String agentVersionId, double percent) {
    }

    public static RolloutPolicy of(List<Split> splits, String pinnedVersionId) {
        String served = pinnedVersionId;
        if (served == null) {
            Split largest = splits.get(0);
            for (Split split : splits) {
                if (split.percent() > largest.percent()) {
                    largest = split;
                }
            }
            served = largest.agentVersionId();
        }
        return new RolloutPolicy(List.copyOf(splits), pinnedVersionId, served);
    }

    /** Everything to one version. */
    public static RolloutPolicy single(String versionId) {
        return of(List.of(new Split(versionId, 100)), null);
    }

    /** A request body {@code {"splits":[{"agent_version_id","percent"}…], "pinned_version_id"?}}. */
    public static RolloutPolicy parse(JsonNode body) {
        JsonFields fields = JsonFields.body(body, Set.of("splits", "pinned_version_id", "default_version_id"));
        List<JsonNode> items = fields.array("splits", 20);
        if (items.isEmpty()) {
            throw Problems.invalidField("splits", "at least one split is required");
        }
        List<Split> splits = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        long total = 0;
        for (int i = 0; i < items.size(); i++) {
            String path = "splits[" + i + "]";
            JsonFields split = JsonFields.object(items.get(i), path + ".", path, Set.of("agent_version_id", "percent"));
            String version = split.requiredString("agent_version_id", 100);
            if (!seen.add(version)) {
                throw Problems.invalidField(path + ".agent_version_id", "is listed twice");
            }
            double percent = split.optionalNumber("percent", 0, 100)
                    .orElseThrow(() -> Problems.invalidField(path + ".percent", "is required"));
            long basisPoints = Math.round(percent * 100);
            if (Math.abs(basisPoints - percent * 100) > 1e-6) {
                throw Problems.invalidField(path + ".percent", "at most two decimals");
            }
            total += basisPoints;
            splits.add(new Split(version, basisPoints / 100.0));
        }
        if (total != BUCKETS) {
            throw Problems.invalidField("splits", "percentages must add up to 100");
        }
        String pinned = fields.optionalString("pinned_version_id", 100).orElse(null);
        return of(splits, pinned);
    }

    public static RolloutPolicy fromJson(JsonNode stored) {
        return parse(stored);
    }

    /** Every version the policy refers to. */
    public List<String> versionIds() {
        List<String> ids = new ArrayList<>(splits.stream().map(Split::agentVersionId).toList());
        if (pinnedVersionId != null && !ids.contains(pinnedVersionId)) {
            ids.add(pinnedVersionId);
        }
        return ids;
    }

    public String servedVersionId() {
        return defaultVersionId;
    }

    /** The version a caller gets: the pin, else the split that owns the caller's sticky bucket. */
    public String choose(String agentKey, String caller) {
        if (pinnedVersionId != null) {
            return pinnedVersionId;
        }
        int bucket = bucket(agentKey, caller);
        long upper = 0;
        for (Split split : splits) {
            upper += Math.round(split.percent() * 100);
            if (bucket < upper) {
                return split.agentVersionId();
            }
        }
        return splits.get(splits.size() - 1).agentVersionId();
    }

    /** The caller's sticky bucket in [0, 10000). */
    public static int bucket(String agentKey, String caller) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((agentKey + ":" + (caller == null ? "" : caller)).getBytes(StandardCharsets.UTF_8));
            long value = ByteBuffer.wrap(digest, 0, 8).getLong();
            return (int) Long.remainderUnsigned(value, BUCKETS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
