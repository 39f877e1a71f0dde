package dev.voiceagent.bridge.support;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Session behaviour of this bridge instance ({@code voice.bridge.*}). {@code instanceId} names the instance's
 * tool reply topic and defaults to the host name. {@code maxSessions} is the instance's capacity: past it, new media
 * streams are refused (1013), prewarms answer 503 and the instance reports itself not ready, so that new calls go to
 * another instance instead of degrading every call on this one (0: no limit).
 */
@ConfigurationProperties("voice.bridge")
public record BridgeProperties(
        String instanceId,
        @DefaultValue("8s") Duration toolTimeout,
        @DefaultValue("1500ms") Duration fillerThreshold,
        @DefaultValue("10s") Duration startTimeout,
        @DefaultValue("250") int modelQueueFrames,
        @DefaultValue("500") int twilioQueueFrames,
        @DefaultValue("In one short sentence, tell the caller you are still checking and will be right back.")
        String fillerInstructions,
        @DefaultValue("Apologize briefly: the system did not answer in time. Offer to try again or to arrange a callback.")
        String apologyInstructions,
        @DefaultValue("Greet the caller with exactly these words, then wait for them: ") String greetingPrefix,
        @DefaultValue Prewarm prewarm,
        @DefaultValue Resilience resilience,
        @DefaultValue Idle idle,
        @DefaultValue Records records,
        @DefaultValue LiveSessions liveSessions,
        @DefaultValue("500") int maxSessions) {

    @ConstructorBinding
    public BridgeProperties {
        if (instanceId == null || instanceId.isBlank()) {
            instanceId = hostName();
        }
    }

    /** The settings of the foundation, with every newer group at its default. */
    public BridgeProperties(String instanceId, Duration toolTimeout, Duration fillerThreshold, Duration startTimeout,
                            int modelQueueFrames, int twilioQueueFrames, String fillerInstructions,
                            String apologyInstructions, String greetingPrefix) {
        this(instanceId, toolTimeout, fillerThreshold, startTimeout, modelQueueFrames, twilioQueueFrames,
                fillerInstructions, apologyInstructions, greetingPrefix, Prewarm.defaults(), Resilience.defaults(),
                Idle.defaults(), Records.defaults(), LiveSessions.defaults(), 500);
    }

    /** A copy with other resilience, idle and record settings (tests and tools). */
    public BridgeProperties with(Prewarm prewarm, Resilience resilience, Idle idle) {
        return new BridgeProperties(instanceId, toolTimeout, fillerThreshold, startTimeout, modelQueueFrames,
                twilioQueueFrames, fillerInstructions, apologyInstructions, greetingPrefix, prewarm, resilience, idle,
                records, liveSessions, maxSessions);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "media-bridge";
        }
    }

    /**
     * Fast first turn ({@code voice.bridge.prewarm.*}): a prewarmed model session is kept for {@code ttl} waiting
     * for its media stream; {@code poolSize} pre-opened, unconfigured connections are kept per model (0 = none) and
     * replaced after {@code poolMaxAge}.
     */
    public record Prewarm(@DefaultValue("30s") Duration ttl, @DefaultValue("0") int poolSize,
                          @DefaultValue("5m") Duration poolMaxAge, @DefaultValue("1000") int maxPending) {

        public static Prewarm defaults() {
            return new Prewarm(Duration.ofSeconds(30), 0, Duration.ofMinutes(5), 1000);
        }
    }

    /**
     * Never silence ({@code voice.bridge.resilience.*}): a model that sends nothing for {@code stallTimeout} while a
     * response is in progress counts as lost; a lost model is reconnected {@code reconnectAttempts} times with the
     * conversation so far, then the bridge plays {@code fallbackPrompt} (a bundled spoken μ-law clip; a tenant's
     * own from {@code tenantFallbackPrompts}, tenant id to classpath resource) and hands the call over; a hand-over
     * that ends as a callback plays {@code callbackPrompt} (or the tenant's from {@code tenantCallbackPrompts}) before
     * the bridge hangs up. Sessions are
     * renewed the same way {@code renewBefore} the model's {@code modelSessionLimit}. After
     * {@code maxFailedAuthentications} failed caller authentications the agent stops and hands over. A transfer the
     * tool executor could not confirm waits {@code unconfirmedTransferGrace} for Twilio's stop (a transfer stops the
     * stream at once); without one the caller is still here, and gets a callback.
     */
    public record Resilience(@DefaultValue("15s") Duration stallTimeout,
                             @DefaultValue("1") int reconnectAttempts,
                             @DefaultValue("60m") Duration modelSessionLimit,
                             @DefaultValue("2m") Duration renewBefore,
                             @DefaultValue(DEFAULT_FALLBACK_PROMPT) String fallbackPrompt,
                             @DefaultValue("10s") Duration handoverGrace,
                             @DefaultValue("3") int maxFailedAuthentications,
                             @DefaultValue("1s") Duration watchdogInterval,
                             Map<String, String> tenantFallbackPrompts,
                             @DefaultValue(DEFAULT_CALLBACK_PROMPT) String callbackPrompt,
                             Map<String, String> tenantCallbackPrompts,
                             @DefaultValue("5s") Duration unconfirmedTransferGrace) {

        /** The bundled spoken clip ({@code docs/tools/fallback-clip.sh} made it). */
        public static final String DEFAULT_FALLBACK_PROMPT = "audio/fallback-speech.ulaw";
        /** The bundled clip that tells the caller a colleague will call back (made the same way). */
        public static final String DEFAULT_CALLBACK_PROMPT = "audio/callback-speech.ulaw";

        public Resilience {
            tenantFallbackPrompts = tenantFallbackPrompts == null ? Map.of() : Map.copyOf(tenantFallbackPrompts);
            tenantCallbackPrompts = tenantCallbackPrompts == null ? Map.of() : Map.copyOf(tenantCallbackPrompts);
        }

        public static Resilience defaults() {
            return new Resilience(Duration.ofSeconds(15), 1, Duration.ofMinutes(60), Duration.ofMinutes(2),
                    DEFAULT_FALLBACK_PROMPT, Duration.ofSeconds(10), 3, Duration.ofSeconds(1), Map.of(),
                    DEFAULT_CALLBACK_PROMPT, Map.of(), Duration.ofSeconds(5));
        }
    }

    /**
     * Idle caller ({@code voice.bridge.idle.*}): after {@code promptAfter} with neither side speaking the agent
     * prompts the caller; after {@code maxPrompts} unanswered prompts the bridge hangs up (outcome abandoned unless
     * the call already achieved something). {@code promptAfter} of 0 switches it off. These are the defaults: a
     * runtime config's {@code limits.silence_timeout_seconds} and {@code max_silence_prompts} replace them per call.
     */
    public record Idle(@DefaultValue("10s") Duration promptAfter, @DefaultValue("2") int maxPrompts,
                       @DefaultValue("The caller has been silent. In one short sentence, ask whether they are still there.")
                       String promptInstructions,
                       @DefaultValue("Say goodbye in one short sentence: the line seems to be silent.")
                       String goodbyeInstructions) {

        public static Idle defaults() {
            return new Idle(Duration.ofSeconds(10), 2,
                    "The caller has been silent. In one short sentence, ask whether they are still there.",
                    "Say goodbye in one short sentence: the line seems to be silent.");
        }
    }

    /**
     * Voice session records ({@code voice.bridge.records.*}): the bounded queue in front of the database. At shutdown
     * the queue is written for up to {@code shutdownGrace} (keep it below {@code timeout-per-shutdown-phase}), also
     * the final records of the calls the shutdown ends; what is left then is dropped and counted.
     */
    public record Records(@DefaultValue("true") boolean enabled, @DefaultValue("10000") int queueCapacity,
                          @DefaultValue("5s") Duration writeTimeout, @DefaultValue("5s") Duration shutdownGrace) {

        public static Records defaults() {
            return new Records(true, 10_000, Duration.ofSeconds(5), Duration.ofSeconds(5));
        }
    }

    /**
     * Active sessions across instances ({@code voice.bridge.live-sessions.*}): every {@code publishInterval} each
     * instance writes its live sessions to the shared table; an instance silent for {@code expireAfter} no longer
     * counts (its rows are then deleted by the others).
     */
    public record LiveSessions(@DefaultValue("2s") Duration publishInterval, @DefaultValue("10s") Duration expireAfter) {

        public static LiveSessions defaults() {
            return new LiveSessions(Duration.ofSeconds(2), Duration.ofSeconds(10));
        }
    }
}
