package dev.voiceagent.contracts;

import java.util.Arrays;
import java.util.Optional;

/** Wire name, topic and payload class of every event; the single registry the codec dispatches on. */
public enum EventType {
    CALL_CREATED("voice.call.created", Topics.CALL_EVENTS, CallEvents.CallCreated.class),
    CALL_STATUS_CHANGED("voice.call.status_changed", Topics.CALL_EVENTS, CallEvents.CallStatusChanged.class),
    CALL_UNROUTABLE("voice.call.unroutable", Topics.CALL_EVENTS, CallEvents.CallUnroutable.class),
    SESSION_STARTED("voice.session.started", Topics.SESSION_EVENTS, SessionEvents.SessionStarted.class),
    SESSION_STATE_CHANGED("voice.session.state_changed", Topics.SESSION_EVENTS, SessionEvents.SessionStateChanged.class),
    SESSION_BARGE_IN("voice.session.barge_in", Topics.SESSION_EVENTS, SessionEvents.BargeIn.class),
    SESSION_ENDED("voice.session.ended", Topics.SESSION_EVENTS, SessionEvents.SessionEnded.class),
    TRANSCRIPT_TURN("voice.transcript.turn", Topics.TRANSCRIPTS, TranscriptTurn.class),
    TOOL_REQUESTED("voice.tool.requested", Topics.TOOL_REQUESTS, ToolEvents.ToolRequested.class),
    TOOL_COMPLETED("voice.tool.completed", Topics.TOOL_RESULTS, ToolEvents.ToolCompleted.class),
    SESSION_OUTCOME("voice.session.outcome", Topics.OUTCOMES, SessionOutcome.class),
    CALLBACK_REQUESTED("voice.callback.requested", Topics.CALLBACKS, CallbackRequested.class),
    EVALUATION_COMPLETED("voice.evaluation.completed", Topics.EVALUATIONS, EvaluationCompleted.class),
    TENANT_CONFIG_PUBLISHED("voice.config.tenant_published", Topics.CONFIG, TenantConfigPublished.class),
    LOG_LINE("voice.log.line", Topics.LOGS, LogLine.class),
    LAUNCH_GATE_EVALUATED("voice.launch_gate.evaluated", Topics.EVALUATIONS, LaunchGateEvaluated.class);

    private final String wireName;
    private final String topic;
    private final Class<? extends VoiceEvent> payloadType;

    EventType(String wireName, String topic, Class<? extends VoiceEvent> payloadType) {
        this.wireName = wireName;
        this.topic = topic;
        this.payloadType = payloadType;
    }

    public String wireName() {
        return wireName;
    }

    public String topic() {
        return topic;
    }

    public Class<? extends VoiceEvent> payloadType() {
        return payloadType;
    }

    public static Optional<EventType> byWireName(String wireName) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(wireName)).findFirst();
    }

    public static EventType of(VoiceEvent event) {
        return Arrays.stream(values()).filter(t -> t.payloadType == event.getClass()).findFirst()
                .orElseThrow(() -> new IllegalStateException("unregistered event " + event.getClass()));
    }
}
