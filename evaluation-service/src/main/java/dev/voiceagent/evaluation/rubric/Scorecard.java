package dev.voiceagent.evaluation.rubric;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A session's rubric result: weighted overall score, pass/fail, and each criterion with why it scored so. */
public record Scorecard(String rubricVersion, double score, boolean passed, List<Criterion> criteria) {

    /** One criterion, scored 0..1. */
    public record Criterion(String name, double score, double weight, String detail) {
    }

    public Map<String, Double> scoresByName() {
        Map<String, Double> scores = new LinkedHashMap<>();
        criteria.forEach(c -> scores.put(c.name(), c.score()));
        return scores;
    }
}
