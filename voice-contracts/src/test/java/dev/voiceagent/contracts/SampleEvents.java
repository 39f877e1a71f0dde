package dev.voiceagent.contracts;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One representative envelope per event type; the golden fixtures are these, encoded. */
final class SampleEvents {

    static final Instant TIME = Instant.parse("2026-11-25T10:15:30.123Z");
    static final String CALL = "CA0123456789abcdef0123456789abcdef";

    private SampleEvents() {
    }

    static EventEnvelope<?> sample(EventType type) {
        VoiceEvent data = switch (type) {
            case CALL_CREATED -> new CallEvents.CallCreated("outbound-api", "+15555550000", "+15555550100",
                    "default", "default-v1");
            case CALL_STATUS_CHANGED -> new CallEvents.CallStatusChanged("completed", "in-progress", 42);
            case CALL_UNROUTABLE -> new CallEvents.CallUnroutable("+15555559999", "+1555555****", "unknown_number");
            case SESSION_STARTED -> new SessionEvents.SessionStarted("MZ0123456789abcdef0123456789abcdef", "default-v1",
                    "gpt-realtime", "alloy", "bridge-1");
            case SESSION_STATE_CHANGED -> new SessionEvents.SessionStateChanged(Map.of("intent", "account_inquiry",
                    "language", "en"));
            case SESSION_BARGE_IN -> new SessionEvents.BargeIn("item_abc", 1260);
            case SESSION_ENDED -> new SessionEvents.SessionEnded("caller_hangup", 8120);
            case TRANSCRIPT_TURN -> new TranscriptTurn(TranscriptTurn.CALLER, "What is my account balance?",
                    "item_caller_1", 1, 2140);
            case TOOL_REQUESTED -> new ToolEvents.ToolRequested("call_7f3a", "lookup", Map.of("account_number", "1001"),
                    "default-v1", "account_inquiry", true, "+15555550100", "voice.tool.replies.bridge-1", "1001");
            case TOOL_COMPLETED -> new ToolEvents.ToolCompleted("call_7f3a", "lookup", ToolEvents.ToolCompleted.OK,
                    Map.of("found", true, "balance", "42.50", "currency", "USD"), null, 12);
            case SESSION_OUTCOME -> new SessionOutcome(Outcome.CALLBACK_CREATED, "dispute", "default-v1",
                    "+15555550100", TIME.minusSeconds(9), TIME, 9000, 640L, 3, 4, 0,
                    List.of(new SessionOutcome.ToolSummary("call_7f3a", "lookup", "ok", 12)),
                    null, "Balance given; callback requested about a disputed charge.");
            case CALLBACK_REQUESTED -> new CallbackRequested("cb_7f3a", "disputed charge", "high", "+15555550100",
                    null, "call_8b21");
            case EVALUATION_COMPLETED -> new EvaluationCompleted("ev_1", "default-v1", Outcome.RESOLVED, 0.92, true,
                    Map.of("resolution", 1.0, "policy", 1.0, "responsiveness", 0.75));
            case TENANT_CONFIG_PUBLISHED -> tenantConfig();
            case LOG_LINE -> new LogLine("INFO", "media stream started");
            case LAUNCH_GATE_EVALUATED -> launchGate();
        };
        // tenant-scoped events carry no call; their key is the tenant id
        String callSid = type == EventType.TENANT_CONFIG_PUBLISHED || type == EventType.LAUNCH_GATE_EVALUATED
                ? null : CALL;
        return new EventEnvelope<>("00000000-0000-4000-8000-" + String.format("%012d", type.ordinal()), type,
                "test-service", TIME, "demo", callSid, EventEnvelope.SCHEMA_VERSION, data);
    }

    private static LaunchGateEvaluated launchGate() {
        return new LaunchGateEvaluated("gate_5b1c0e9f", "support", "support-v2", "default", false, TIME,
                TIME.minusSeconds(86_400), null, true,
                List.of(new LaunchGateEvaluated.Criterion("min_sessions", true, "20", "24", "24 sessions"),
                        new LaunchGateEvaluated.Criterion("min_pass_rate", false, "0.95", "0.9167",
                                "pass rate 0.9167 < 0.95"),
                        new LaunchGateEvaluated.Criterion("max_p95_time_to_first_audio_ms", true, "1500", "910",
                                "p95 time to first audio 910 ms ≤ 1500 ms")),
                new LaunchGateEvaluated.Stats(24, 0.9167, 0.9021, 910L, 0));
    }

    private static TenantConfigPublished tenantConfig() {
        var runtime = new TenantConfigPublished.RuntimeConfig("gpt-realtime", "alloy", "support_default", 1,
                "You are a helpful support agent.", null, "en", "Thanks for calling Demo Bank.",
                new TenantConfigPublished.CallLimits(900, 20, 8, 2));
        var hours = new TenantConfigPublished.BusinessHours("America/New_York",
                List.of(new TenantConfigPublished.Window("mon", "09:00", "17:00"),
                        new TenantConfigPublished.Window("fri", "09:00", "13:00")));
        var limits = new TenantConfigPublished.HandoffLimits(3, 3, "transfer", "transfer", 0.5);
        var targets = List.of(new TenantConfigPublished.HandoffTarget("billing_desk", "+15555550199"));
        var v1 = new TenantConfigPublished.VersionView("support-v1", List.of("lookup", "callback", "noop"),
                List.of(new TenantConfigPublished.IntentView("account_inquiry", "resolvable", List.of("lookup"), null),
                        new TenantConfigPublished.IntentView("dispute", "must_transfer", List.of("callback", "noop"),
                                "billing_desk")),
                targets, hours, "callback", limits, List.of("ai_disclosure"), "+15555550199", runtime);
        var v2 = new TenantConfigPublished.VersionView("support-v2", List.of("lookup", "sms", "callback", "noop"),
                List.of(new TenantConfigPublished.IntentView("account_inquiry", "resolvable", List.of("lookup", "sms"),
                                null),
                        new TenantConfigPublished.IntentView("dispute", "must_transfer", List.of("callback", "noop"),
                                "billing_desk")),
                targets, hours, "callback", limits, List.of("ai_disclosure", "recording"), "+15555550199",
                new TenantConfigPublished.RuntimeConfig("gpt-realtime", "verse", "support_default", 2,
                        "You are a concise support agent.", null, "en", "Thanks for calling Demo Bank.",
                        new TenantConfigPublished.CallLimits(900, 20, 8, 2)));
        var rollout = new TenantConfigPublished.Rollout(List.of(new TenantConfigPublished.Split("support-v2", 10),
                new TenantConfigPublished.Split("support-v1", 90)), true, Map.of("+15555550100", "support-v2"), null);
        return new TenantConfigPublished("demo", "Demo Bank", true, List.of("+15555550000"), "America/New_York",
                runtime, List.of("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
                List.of(new TenantConfigPublished.AgentView("support", "support-v1", List.of("lookup", "callback", "noop"),
                                "+15555550199", List.of(v2, v1), rollout),
                        new TenantConfigPublished.AgentView("default", "default-v1", List.of("lookup", "callback", "noop"),
                                null)),
                7, new TenantConfigPublished.TenantLimits(5, 30, 1800));
    }
}
