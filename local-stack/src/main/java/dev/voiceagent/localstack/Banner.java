package dev.voiceagent.localstack;

/** What a new user needs to see once the stack is up: URLs, demo credentials, a first call to try. */
final class Banner {

    private Banner() {
    }

    static String describe(LocalStack stack) {
        LocalStackOptions o = stack.options();
        StringBuilder b = new StringBuilder("\n=== voice agent platform: local stack is up ===\n\n");
        stack.ports().entrySet().stream().sorted(java.util.Map.Entry.comparingByValue())
                .forEach(e -> b.append(String.format("  %-22s http://localhost:%d%n", e.getKey(), e.getValue())));
        b.append(String.format("  %-22s %s%n", "kafka", stack.kafkaBootstrapServers()));
        b.append(String.format("  %-22s %s%n", "postgres", stack.database().jdbcUrl()));
        b.append(String.format("  %-22s %s%n", "public API (gateway)", stack.gatewayUrl()));
        if (stack.serviceLogDirectory() != null) {
            b.append("\n  each service in its own JVM:\n");
            stack.serviceNames().forEach(name -> b.append(String.format("    %-20s pid %d%n", name,
                    stack.process(name).map(ProcessHandle::pid).orElse(-1L))));
            b.append(String.format("  %-22s %s%n", "service logs", stack.serviceLogDirectory()));
        }
        b.append("\n  demo tenant:        ").append(o.tenantId()).append(" (number ").append(o.tenantNumber()).append(")\n");
        b.append("  tenant API key:     ").append(o.tenantApiKey()).append('\n');
        b.append("  admin key:          ").append(o.adminKey()).append('\n');
        b.append("  twilio:             ").append(o.realTwilio() ? "real account " + o.twilioAccountSid()
                : "simulator, account " + o.twilioAccountSid() + ", auth token " + o.twilioAuthToken()).append('\n');
        b.append("  realtime model:     ").append(o.openAiApiKey() != null ? "OpenAI (OPENAI_API_KEY)"
                : "simulator, scenario " + o.scenario()).append("\n\n");
        b.append("  place a call:\n    curl -s -X POST ").append(stack.gatewayUrl()).append("/api/v1/make-call \\\n")
                .append("      -H 'x-api-key: ").append(o.tenantApiKey()).append("' -H 'content-type: application/json' \\\n")
                .append("      -d '{\"to\":\"+15555550100\"}'\n");
        b.append("  then:  curl -s -H 'x-api-key: ").append(o.tenantApiKey()).append("' ").append(stack.gatewayUrl())
                .append("/api/v1/call-logs/<call_sid>\n");
        b.append("  events: kcat -b ").append(stack.kafkaBootstrapServers()).append(" -C -t voice.outcomes.v1\n\n");
        b.append("  Ctrl-C stops everything.\n");
        return b.toString();
    }
}
