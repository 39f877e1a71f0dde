package dev.voiceagent.localstack;

import java.util.Map;

/**
 * What the local stack runs and with which credentials. {@link #fromEnvironment(Map, boolean)} reads the
 * documented variables; unset ones take the demo defaults.
 *
 * @param fixedPorts     the documented ports (Kafka 9092, services 8080 to 8085); otherwise free ports
 * @param databaseUrl    an external PostgreSQL ({@code postgresql://user:pass@host:port/db}); null = embedded
 * @param twilioAccountSid real Twilio account when {@code twilioAuthToken} is real; otherwise the simulator's
 * @param openAiApiKey   the real realtime model when set; otherwise the realtime simulator
 * @param publicBaseUrl  the URL Twilio reaches the gateway at (needed with real Twilio)
 * @param scenario       the default simulated caller and model script
 * @param separateProcesses each service in a JVM of its own, as it is deployed ({@code VOICE_PROCESSES=1});
 *                       otherwise all six share the launcher's JVM, each in its own application context
 * @param serviceJavaOptions JVM options of each service's own JVM ({@code VOICE_SERVICE_JAVA_OPTS})
 */
public record LocalStackOptions(boolean fixedPorts, String databaseUrl, String adminKey, String tenantId,
                                String tenantApiKey, String tenantNumber, String twilioAccountSid,
                                String twilioAuthToken, boolean realTwilio, String openAiApiKey,
                                String publicBaseUrl, String scenario, boolean separateProcesses,
                                java.util.List<String> serviceJavaOptions) {

    public static final String DEMO_ACCOUNT_SID = "AC00000000000000000000000000000000";
    /** A service's own JVM: a heap ceiling well above what one needs, the collector for small heaps. */
    public static final String DEFAULT_SERVICE_JAVA_OPTS = "-Xmx512m -XX:+UseSerialGC";

    public LocalStackOptions {
        serviceJavaOptions = java.util.List.copyOf(serviceJavaOptions);
    }

    public static LocalStackOptions fromEnvironment(Map<String, String> env, boolean fixedPorts) {
        boolean realTwilio = present(env.get("TWILIO_ACCOUNT_SID")) && present(env.get("TWILIO_AUTH_TOKEN"));
        return new LocalStackOptions(fixedPorts,
                blankToNull(env.get("VOICE_DB_URL")),
                env.getOrDefault("VOICE_ADMIN_KEY", "local-admin-key"),
                env.getOrDefault("VOICE_DEMO_TENANT", "demo"),
                env.getOrDefault("VOICE_DEMO_API_KEY", "demo-key"),
                env.getOrDefault("VOICE_DEMO_NUMBER", "+15555550000"),
                realTwilio ? env.get("TWILIO_ACCOUNT_SID") : DEMO_ACCOUNT_SID,
                realTwilio ? env.get("TWILIO_AUTH_TOKEN") : env.getOrDefault("VOICE_TWILIO_AUTH_TOKEN", "local-twilio-token"),
                realTwilio,
                blankToNull(env.get("OPENAI_API_KEY")),
                blankToNull(env.get("VOICE_PUBLIC_BASE_URL")),
                env.getOrDefault("VOICE_SCENARIO", "account-lookup"),
                "1".equals(env.get("VOICE_PROCESSES")) || "true".equalsIgnoreCase(env.get("VOICE_PROCESSES")),
                java.util.List.of(env.getOrDefault("VOICE_SERVICE_JAVA_OPTS", DEFAULT_SERVICE_JAVA_OPTS).trim()
                        .split("\\s+")));
    }

    /** The same options, with these JVM options for each service's own JVM. */
    public LocalStackOptions withServiceJavaOptions(java.util.List<String> javaOptions) {
        return new LocalStackOptions(fixedPorts, databaseUrl, adminKey, tenantId, tenantApiKey, tenantNumber,
                twilioAccountSid, twilioAuthToken, realTwilio, openAiApiKey, publicBaseUrl, scenario, separateProcesses,
                javaOptions);
    }

    /** The same options, with each service in its own JVM or all in this one. */
    public LocalStackOptions withSeparateProcesses(boolean separate) {
        return new LocalStackOptions(fixedPorts, databaseUrl, adminKey, tenantId, tenantApiKey, tenantNumber,
                twilioAccountSid, twilioAuthToken, realTwilio, openAiApiKey, publicBaseUrl, scenario, separate,
                serviceJavaOptions);
    }

    /** Free ports, simulators, demo credentials: what the end-to-end tests use. */
    public static LocalStackOptions forTests() {
        return fromEnvironment(Map.of(), false);
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }

    private static String blankToNull(String value) {
        return present(value) ? value : null;
    }
}
