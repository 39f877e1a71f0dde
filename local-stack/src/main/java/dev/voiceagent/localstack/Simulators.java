package dev.voiceagent.localstack;

import dev.voiceagent.testkit.realtime.RealtimeSimulator;
import dev.voiceagent.testkit.scenario.CallScripts;
import dev.voiceagent.testkit.scenario.Scenario;
import dev.voiceagent.testkit.scenario.Scenarios;
import dev.voiceagent.testkit.twilio.TwilioSimulator;
import java.time.Duration;

/**
 * The stand-ins for what this machine cannot reach: the Twilio simulator unless real Twilio credentials are
 * given, and the realtime-model simulator unless an OpenAI key is given. Both play the same default scenario, and
 * share one {@link CallScripts} registry: a script registered at the Twilio simulator's control endpoint (as
 * synthetic runs do) is played by the call dialling its number, on both sides of that call.
 */
public final class Simulators implements AutoCloseable {

    static final String OPENAI_REALTIME_URL = "wss://api.openai.com/v1/realtime";
    private static final String SIMULATOR_API_KEY = "local-realtime-key";
    private static final Duration SCRIPT_TTL = Duration.ofMinutes(15);

    private final TwilioSimulator twilio;
    private final RealtimeSimulator realtime;
    private final String openAiApiKey;

    private Simulators(TwilioSimulator twilio, RealtimeSimulator realtime, String openAiApiKey) {
        this.twilio = twilio;
        this.realtime = realtime;
        this.openAiApiKey = openAiApiKey;
    }

    static Simulators start(LocalStackOptions options, int twilioPort, int realtimePort) {
        Scenario scenario = Scenarios.load(options.scenario());
        CallScripts scripts = new CallScripts(SCRIPT_TTL);
        RealtimeSimulator realtime = options.openAiApiKey() != null ? null
                : RealtimeSimulator.start(realtimePort, scenario, scripts).requireApiKey(SIMULATOR_API_KEY);
        TwilioSimulator twilio = null;
        try {
            twilio = options.realTwilio() ? null : TwilioSimulator.start(TwilioSimulator.Options.defaults()
                    .withPort(twilioPort)
                    .withAccount(options.twilioAccountSid(), options.twilioAuthToken())
                    .withScenario(scenario)
                    .withCallScripts(scripts));
        } catch (RuntimeException e) {
            if (realtime != null) {
                realtime.close();
            }
            throw e;
        }
        return new Simulators(twilio, realtime, options.openAiApiKey());
    }

    /** The Twilio REST base URL the services must use, or null for the real Twilio API. */
    public String twilioBaseUrl() {
        return twilio == null ? null : twilio.baseUrl();
    }

    /** Where synthetic runs register each call's script (the Twilio simulator), or null with real Twilio. */
    public String scriptControlUrl() {
        return twilio == null ? null : twilio.baseUrl();
    }

    public String realtimeUrl() {
        return realtime == null ? OPENAI_REALTIME_URL : realtime.url();
    }

    public String realtimeApiKey() {
        return realtime == null ? openAiApiKey : SIMULATOR_API_KEY;
    }

    /** The Twilio simulator, when it runs (null with real Twilio). */
    public TwilioSimulator twilio() {
        return twilio;
    }

    /** The realtime simulator, when it runs (null with the real model). */
    public RealtimeSimulator realtime() {
        return realtime;
    }

    @Override
    public void close() {
        if (twilio != null) {
            twilio.close();
        }
        if (realtime != null) {
            realtime.close();
        }
    }
}
