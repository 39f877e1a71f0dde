package dev.voiceagent.bridge.session;

/** Takes voice session records off the audio path; {@link #offer} never blocks and may drop (counted) when full. */
public interface SessionRecorder {

    SessionRecorder NONE = record -> { };

    void offer(VoiceSessionRecord record);
}
