package dev.voiceagent.localstack;

import dev.voiceagent.contracts.CallbackRequested;
import dev.voiceagent.contracts.EventType;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.TranscriptTurn;
import dev.voiceagent.testkit.infra.DatabaseCoordinates;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Counts, for a set of calls, what went in and what came out end to end: the bridge's own record of each
 * session (its transcript, as stored) and the topics as an analytics consumer reads them on one side; the
 * consumers' stored effects (call log outcome, tool results, callback tasks, evaluations, stored transcript
 * turns) on the other. A duplicate is counted in effect: a second event id or a second row for one key, not a
 * record redelivered under the same event id (which idempotent consumers absorb; reported separately).
 */
final class CallLedger {

    /** One class of thing counted: how many were expected, how many arrived, lost, duplicated in effect. */
    record Line(String what, long in, long out, long lost, long duplicated, List<String> problems) {
        @Override
        public String toString() {
            return String.format("%-34s in %4d  out %4d  lost %3d  duplicated %3d%s", what, in, out, lost, duplicated,
                    problems.isEmpty() ? "" : "  " + problems.subList(0, Math.min(3, problems.size())));
        }
    }

    /** The lines for a run, plus records seen more than once under the same event id (absorbed redeliveries). */
    record Tally(List<Line> lines, long redelivered, Map<String, String> outcomes) {
        long in() {
            return lines.stream().mapToLong(Line::in).sum();
        }

        long out() {
            return lines.stream().mapToLong(Line::out).sum();
        }

        long lost() {
            return lines.stream().mapToLong(Line::lost).sum();
        }

        long duplicated() {
            return lines.stream().mapToLong(Line::duplicated).sum();
        }

        List<String> problems() {
            return lines.stream().flatMap(l -> l.problems().stream().map(p -> l.what() + ": " + p)).toList();
        }

        String report(String fault) {
            StringBuilder text = new StringBuilder(fault).append('\n');
            lines.forEach(line -> text.append("  ").append(line).append('\n'));
            text.append("  records redelivered under the same event id (absorbed): ").append(redelivered).append('\n');
            Map<String, Long> byOutcome = outcomes.values().stream()
                    .collect(Collectors.groupingBy(String::valueOf, LinkedHashMap::new, Collectors.counting()));
            text.append("  outcomes: ").append(byOutcome);
            return text.toString();
        }
    }

    private CallLedger() {
    }

    static Tally count(List<TopicRecorder.Seen> seen, DatabaseCoordinates db, Collection<String> callSids) {
        Set<String> calls = new java.util.HashSet<>(callSids);
        List<TopicRecorder.Seen> mine = seen.stream()
                .filter(s -> calls.contains(s.envelope().callSid()) && !s.topic().startsWith(Topics.TOOL_REPLIES_PREFIX))
                .toList();
        long redelivered = mine.size() - mine.stream().map(s -> s.topic() + "/" + s.envelope().id()).distinct().count();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password())) {
            Map<String, String> callLogOutcomes = new HashMap<>();
            perCall(c, "SELECT call_sid, outcome FROM gateway.call_logs", calls)
                    .forEach((call, outcome) -> callLogOutcomes.put(call, outcome == null ? null : outcome.toString()));
            List<Line> lines = new ArrayList<>();
            lines.add(outcomes(mine, calls, callLogOutcomes));
            lines.add(transcripts(mine, c, calls));
            lines.add(toolResults(mine, c, calls));
            lines.add(callbackTasks(mine, c, calls));
            lines.add(evaluations(mine, c, calls));
            return new Tally(lines, redelivered, callLogOutcomes);
        } catch (SQLException e) {
            throw new IllegalStateException("counting failed", e);
        }
    }

    /** One outcome event per call, and the call log carries it. */
    private static Line outcomes(List<TopicRecorder.Seen> mine, Set<String> calls, Map<String, String> callLog) {
        Map<String, Long> ids = distinctIds(mine, EventType.SESSION_OUTCOME, Topics.OUTCOMES);
        List<String> problems = new ArrayList<>();
        long lost = 0;
        long duplicated = 0;
        for (String call : calls) {
            long n = ids.getOrDefault(call, 0L);
            if (n == 0 || callLog.get(call) == null) {
                lost++;
                problems.add(call + " outcome events " + n + ", call log " + callLog.get(call));
            }
            duplicated += Math.max(0, n - 1);
            if (n > 1) {
                problems.add(call + " has " + n + " outcome events");
            }
        }
        return new Line("outcomes (event + call log)", calls.size(), calls.size() - lost, lost, duplicated, problems);
    }

    /** The bridge's stored transcript against distinct turns on the topic and the evaluation's stored turns. */
    private static Line transcripts(List<TopicRecorder.Seen> mine, Connection c, Set<String> calls) throws SQLException {
        Map<String, Long> recorded = counts(c, "SELECT call_sid, max(jsonb_array_length(transcript)) FROM bridge.voice_sessions "
                + "GROUP BY call_sid", calls);
        Map<String, Long> stored = counts(c, "SELECT call_sid, count(DISTINCT turn_index) FROM evaluation.transcript_turns "
                + "GROUP BY call_sid", calls);
        Map<String, Long> storedRows = counts(c, "SELECT call_sid, count(*) FROM evaluation.transcript_turns "
                + "GROUP BY call_sid", calls);
        Map<String, Map<Integer, Set<String>>> onTopic = new HashMap<>();
        for (TopicRecorder.Seen s : mine) {
            if (s.envelope().data() instanceof TranscriptTurn turn) {
                onTopic.computeIfAbsent(s.envelope().callSid(), k -> new HashMap<>())
                        .computeIfAbsent(turn.turnIndex(), k -> new java.util.HashSet<>()).add(s.envelope().id());
            }
        }
        long in = 0;
        long out = 0;
        long lost = 0;
        long duplicated = 0;
        List<String> problems = new ArrayList<>();
        for (String call : calls) {
            long said = recorded.getOrDefault(call, 0L);
            Map<Integer, Set<String>> turns = onTopic.getOrDefault(call, Map.of());
            long published = turns.size();
            long kept = stored.getOrDefault(call, 0L);
            in += said;
            out += Math.min(published, kept);
            long missing = Math.max(0, said - Math.min(published, kept));
            lost += missing;
            long extra = turns.values().stream().mapToLong(ids -> ids.size() - 1).sum()
                    + Math.max(0, storedRows.getOrDefault(call, 0L) - kept);
            duplicated += extra;
            if (missing > 0 || extra > 0) {
                problems.add(call + " recorded " + said + ", on topic " + published + ", stored " + kept);
            }
        }
        return new Line("transcript turns", in, out, lost, duplicated, problems);
    }

    /** Every tool request answered by exactly one completion event and one stored result. */
    private static Line toolResults(List<TopicRecorder.Seen> mine, Connection c, Set<String> calls) throws SQLException {
        Set<String> requested = mine.stream().filter(s -> s.envelope().data() instanceof ToolRequested)
                .map(s -> ((ToolRequested) s.envelope().data()).toolCallId()).collect(Collectors.toSet());
        Map<String, Set<String>> completions = new HashMap<>();
        for (TopicRecorder.Seen s : mine) {
            if (s.topic().equals(Topics.TOOL_RESULTS) && s.envelope().data() instanceof ToolCompleted done) {
                completions.computeIfAbsent(done.toolCallId(), k -> new java.util.HashSet<>()).add(s.envelope().id());
            }
        }
        Map<String, Long> storedRows = new HashMap<>();
        try (PreparedStatement q = c.prepareStatement("SELECT tool_call_id, count(*) FROM tools.tool_calls "
                + "WHERE call_sid = ANY(?) GROUP BY tool_call_id")) {
            q.setArray(1, c.createArrayOf("text", calls.toArray()));
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    storedRows.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        long lost = 0;
        long duplicated = 0;
        List<String> problems = new ArrayList<>();
        for (String id : requested) {
            int n = completions.getOrDefault(id, Set.of()).size();
            long rows = storedRows.getOrDefault(id, 0L);
            if (n == 0 || rows == 0) {
                lost++;
                problems.add(id + " completions " + n + ", stored " + rows);
            }
            duplicated += Math.max(0, n - 1) + Math.max(0, rows - 1);
        }
        return new Line("tool requests -> results", requested.size(), requested.size() - lost, lost, duplicated,
                problems);
    }

    /** One task per requested callback (or per callback_created outcome without a request); never two. */
    private static Line callbackTasks(List<TopicRecorder.Seen> mine, Connection c, Set<String> calls) throws SQLException {
        Map<String, Set<String>> requested = new HashMap<>();
        Set<String> promised = new java.util.HashSet<>();
        for (TopicRecorder.Seen s : mine) {
            if (s.envelope().data() instanceof CallbackRequested r) {
                requested.computeIfAbsent(s.envelope().callSid(), k -> new java.util.HashSet<>()).add(r.callbackId());
            } else if (s.envelope().data() instanceof SessionOutcome o && o.outcome() == Outcome.CALLBACK_CREATED) {
                promised.add(s.envelope().callSid());
            }
        }
        Map<String, Long> tasks = counts(c, "SELECT call_sid, count(*) FROM callbacks.callback_tasks GROUP BY call_sid",
                calls);
        long in = 0;
        long out = 0;
        long lost = 0;
        long duplicated = 0;
        List<String> problems = new ArrayList<>();
        for (String call : calls) {
            long expected = Math.max(requested.getOrDefault(call, Set.of()).size(), promised.contains(call) ? 1 : 0);
            long found = tasks.getOrDefault(call, 0L);
            in += expected;
            out += Math.min(expected, found);
            lost += Math.max(0, expected - found);
            duplicated += Math.max(0, found - expected);
            if (found != expected) {
                problems.add(call + " expected " + expected + " tasks, found " + found);
            }
        }
        return new Line("callback tasks", in, out, lost, duplicated, problems);
    }

    /** One evaluation per finished call, announced by one event. */
    private static Line evaluations(List<TopicRecorder.Seen> mine, Connection c, Set<String> calls) throws SQLException {
        Map<String, Long> rows = counts(c, "SELECT call_sid, count(*) FROM evaluation.evaluations GROUP BY call_sid", calls);
        Map<String, Long> events = distinctIds(mine, EventType.EVALUATION_COMPLETED, Topics.EVALUATIONS);
        long lost = 0;
        long duplicated = 0;
        List<String> problems = new ArrayList<>();
        for (String call : calls) {
            long stored = rows.getOrDefault(call, 0L);
            long announced = events.getOrDefault(call, 0L);
            if (stored == 0 || announced == 0) {
                lost++;
                problems.add(call + " stored " + stored + ", events " + announced);
            }
            duplicated += Math.max(0, stored - 1) + Math.max(0, announced - 1);
        }
        return new Line("evaluations (row + event)", calls.size(), calls.size() - lost, lost, duplicated, problems);
    }

    private static Map<String, Long> distinctIds(List<TopicRecorder.Seen> mine, EventType type, String topic) {
        return mine.stream().filter(s -> s.envelope().type() == type && s.topic().equals(topic))
                .collect(Collectors.groupingBy(s -> s.envelope().callSid(),
                        Collectors.mapping(s -> s.envelope().id(), Collectors.collectingAndThen(Collectors.toSet(),
                                ids -> (long) ids.size()))));
    }

    private static Map<String, Long> counts(Connection c, String sql, Set<String> calls) throws SQLException {
        Map<String, Long> result = new HashMap<>();
        perCall(c, sql, calls).forEach((call, value) -> result.put(call, ((Number) value).longValue()));
        return result;
    }

    /** The second column by the first (a call SID), for the given calls only. */
    private static Map<String, Object> perCall(Connection c, String sql, Set<String> calls) throws SQLException {
        Map<String, Object> result = new HashMap<>();
        try (PreparedStatement q = c.prepareStatement(sql); ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                if (calls.contains(rs.getString(1))) {
                    result.put(rs.getString(1), rs.getObject(2));
                }
            }
        }
        return result;
    }
}
