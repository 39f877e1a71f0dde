package dev.voiceagent.config.agent;

import dev.voiceagent.config.support.JsonFields;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.support.PhoneNumbers;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.tenant.RolloutSelector;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * How an agent's calls are split between its versions: percentages (two decimals) that add up to 100, sticky per
 * caller number unless {@code sticky_by_caller} is false, per-caller {@code pins} (caller number → version, e.g. a
 * tester's phone), or one {@code pinned_version_id} that takes every other call. {@code default_version_id} is the
 * version the published view names: the pin, else the largest share (the first one on a tie).
 *
 * <p>Which version a call gets is decided by {@link RolloutSelector} (voice-service-support), the same code the
 * gateway runs against the published view.
 */
public record RolloutPolicy(List<Split> splits, String pinnedVersionId, String defaultVersionId,
                            Map<String, String> pins, boolean stickyByCaller) {

    static final int BUCKETS = RolloutSelector.BUCKETS;
    static final int MAX_PINS = 1_000;

    /** One version's share of the calls, in percent (two decimals). */
    public record Split(String agentVersionId, double percent) {
    }

    public RolloutPolicy {
        splits = List.copyOf(splits);
        pins = pins == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(pins));
    }

    public static RolloutPolicy of(List<Split> splits, String pinnedVersionId) {
        return of(splits, pinnedVersionId, Map.of(), true);
    }

    public static RolloutPolicy of(List<Split> splits, String pinnedVersionId, Map<String, String> pins,
                                   boolean stickyByCaller) {
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
        return new RolloutPolicy(splits, pinnedVersionId, served, pins, stickyByCaller);
    }

    /** Everything to one version. */
    public static RolloutPolicy single(String versionId) {
        return of(List.of(new Split(versionId, 100)), null);
    }

    /**
     * A request body {@code {"splits":[{"agent_version_id","percent"}…], "pinned_version_id"?, "pins"?:
     * {"+1…": version}, "sticky_by_caller"?}}; {@code default_version_id} is accepted and recomputed.
     */
    public static RolloutPolicy parse(JsonNode body) {
        JsonFields fields = JsonFields.body(body, Set.of("splits", "pinned_version_id", "default_version_id", "pins",
                "sticky_by_caller"));
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
            long basisPoints = RolloutSelector.basisPoints(percent);
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
        boolean sticky = fields.optionalBoolean("sticky_by_caller").orElse(true);
        return of(splits, pinned, pins(fields), sticky);
    }

    public static RolloutPolicy fromJson(JsonNode stored) {
        return parse(stored);
    }

    private static Map<String, String> pins(JsonFields fields) {
        if (!fields.has("pins")) {
            return Map.of();
        }
        JsonNode node = fields.raw("pins");
        if (!node.isObject()) {
            throw Problems.invalidField("pins", "must be an object of caller number to agent_version_id");
        }
        if (node.size() > MAX_PINS) {
            throw Problems.invalidField("pins", "at most " + MAX_PINS + " pinned callers");
        }
        Map<String, String> pins = new LinkedHashMap<>();
        for (var entry : node.properties()) {
            String field = "pins." + entry.getKey();
            if (!PhoneNumbers.isE164(entry.getKey())) {
                throw Problems.invalidField(field, "the key must be an E.164 caller number such as +15555550100");
            }
            if (!entry.getValue().isString() || entry.getValue().asString().isBlank()
                    || entry.getValue().asString().length() > 100) {
                throw Problems.invalidField(field, "must be an agent_version_id");
            }
            pins.put(entry.getKey(), entry.getValue().asString());
        }
        return pins;
    }

    /** Every version the policy refers to: splits, the pin and the callers' pins. */
    public List<String> versionIds() {
        List<String> ids = new ArrayList<>(splits.stream().map(Split::agentVersionId).toList());
        if (pinnedVersionId != null && !ids.contains(pinnedVersionId)) {
            ids.add(pinnedVersionId);
        }
        pins.values().stream().filter(id -> !ids.contains(id)).distinct().forEach(ids::add);
        return ids;
    }

    public String servedVersionId() {
        return defaultVersionId;
    }

    /**
     * The share of calls a version takes, in 0.01 % units: all of them when it is the pin, none for any other
     * version while a pin is set, else its split. Caller pins are individual test lines and do not count.
     */
    public long shareOf(String versionId) {
        if (pinnedVersionId != null) {
            return pinnedVersionId.equals(versionId) ? BUCKETS : 0;
        }
        return splits.stream().filter(s -> s.agentVersionId().equals(versionId))
                .mapToLong(s -> RolloutSelector.basisPoints(s.percent())).sum();
    }

    /** The policy as the published view carries it. */
    public TenantConfigPublished.Rollout toRollout() {
        return new TenantConfigPublished.Rollout(splits.stream()
                .map(s -> new TenantConfigPublished.Split(s.agentVersionId(), s.percent())).toList(),
                stickyByCaller, pins, pinnedVersionId);
    }

    /** Which version a caller gets, decided exactly as the gateway decides it. */
    public RolloutSelector.Selection select(String agentKey, String caller) {
        return RolloutSelector.select(agentKey, toRollout(), defaultVersionId, caller);
    }

    /** The version a caller gets: a caller pin, the pin, else the split that owns the caller's sticky bucket. */
    public String choose(String agentKey, String caller) {
        return select(agentKey, caller).agentVersionId();
    }

    /** The caller's sticky bucket in [0, 10000). */
    public static int bucket(String agentKey, String caller) {
        return RolloutSelector.bucket(agentKey, caller);
    }

    /**
     * The versions this policy gives more than {@code capBasisPoints} of the calls and more than they held in any of
     * the {@code earlier} policies (the current one and the history): those need a passed launch gate. A version
     * keeping, shrinking or returning to a share it has held never does, so the first version, incumbents and a
     * return to an earlier policy are not blocked.
     */
    public List<String> needingGate(java.util.Collection<RolloutPolicy> earlier, long capBasisPoints) {
        return versionIds().stream()
                .filter(id -> shareOf(id) > capBasisPoints
                        && shareOf(id) > earlier.stream().mapToLong(p -> p.shareOf(id)).max().orElse(0))
                .toList();
    }

    /** The request field that gives a version its share, for error messages. */
    public String fieldOf(String versionId) {
        if (versionId.equals(pinnedVersionId)) {
            return "pinned_version_id";
        }
        for (int i = 0; i < splits.size(); i++) {
            if (splits.get(i).agentVersionId().equals(versionId)) {
                return "splits[" + i + "]";
            }
        }
        return pins.entrySet().stream().filter(e -> e.getValue().equals(versionId)).findFirst()
                .map(e -> "pins." + e.getKey()).orElse("splits");
    }
}
