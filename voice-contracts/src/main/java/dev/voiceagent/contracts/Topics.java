package dev.voiceagent.contracts;

import java.util.List;

/** Kafka topic names; every call-scoped topic is keyed by call SID, the config topic by tenant id. */
public final class Topics {

    public static final String CALL_EVENTS = "voice.call.events.v1";
    public static final String SESSION_EVENTS = "voice.session.events.v1";
    public static final String TRANSCRIPTS = "voice.transcripts.v1";
    public static final String TOOL_REQUESTS = "voice.tool.requests.v1";
    public static final String TOOL_RESULTS = "voice.tool.results.v1";
    public static final String OUTCOMES = "voice.outcomes.v1";
    public static final String CALLBACKS = "voice.callbacks.v1";
    public static final String EVALUATIONS = "voice.evaluations.v1";
    /** Compacted: the latest published view of each tenant. */
    public static final String CONFIG = "voice.config.v1";
    public static final String LOGS = "voice.logs.v1";

    /** Prefix of the per-instance reply topics through which tool results reach the bridge that asked. */
    public static final String TOOL_REPLIES_PREFIX = "voice.tool.replies.";

    /** Suffix of each topic's dead-letter topic. */
    public static final String DEAD_LETTER_SUFFIX = ".dlt";

    public static final List<String> ALL = List.of(
            CALL_EVENTS, SESSION_EVENTS, TRANSCRIPTS, TOOL_REQUESTS, TOOL_RESULTS,
            OUTCOMES, CALLBACKS, EVALUATIONS, CONFIG, LOGS);

    private Topics() {
    }

    public static String deadLetter(String topic) {
        return topic + DEAD_LETTER_SUFFIX;
    }

    public static String toolReplies(String instanceId) {
        return TOOL_REPLIES_PREFIX + instanceId.replaceAll("[^A-Za-z0-9._-]", "-");
    }
}
