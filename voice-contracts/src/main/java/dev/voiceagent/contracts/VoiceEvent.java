package dev.voiceagent.contracts;

/**
 * A payload carried in an {@link EventEnvelope}. Every implementation is a record registered in
 * {@link EventType}, which owns its wire name and topic; Java class names never reach the wire.
 */
public sealed interface VoiceEvent permits
        CallEvents.CallCreated, CallEvents.CallStatusChanged, CallEvents.CallUnroutable,
        SessionEvents.SessionStarted, SessionEvents.SessionStateChanged, SessionEvents.BargeIn,
        SessionEvents.SessionEnded,
        TranscriptTurn, ToolEvents.ToolRequested, ToolEvents.ToolCompleted,
        SessionOutcome, CallbackRequested, EvaluationCompleted, TenantConfigPublished, LogLine,
        LaunchGateEvaluated {
}
