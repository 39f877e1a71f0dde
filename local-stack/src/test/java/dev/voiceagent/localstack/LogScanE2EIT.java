package dev.voiceagent.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import dev.voiceagent.testkit.twilio.SimulatedCall;
import dev.voiceagent.testkit.twilio.Webhook;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Runs one whole call on the local stack while capturing every log line of the JVM, then checks that neither the
 * call's phone numbers (unmasked) nor any secret of the run appears in them.
 */
class LogScanE2EIT {

    static final List<String> NUMBERS = List.of("+15555550100", "+15555550000");

    /** Collects every event of the root logger as text: message, arguments, MDC, key-values and throwables. */
    static final class CapturingAppender extends AppenderBase<ILoggingEvent> {
        final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();

        @Override
        protected void append(ILoggingEvent event) {
            StringBuilder line = new StringBuilder(event.getLoggerName()).append(' ').append(event.getFormattedMessage());
            event.getMDCPropertyMap().forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
            if (event.getKeyValuePairs() != null) {
                event.getKeyValuePairs().forEach(kv -> line.append(' ').append(kv.key).append('=').append(kv.value));
            }
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                line.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
            }
            lines.add(line.toString());
        }
    }

    @Test
    void aWholeCallLogsNoFullPhoneNumberAndNoSecret() throws Exception {
        CapturingAppender appender = new CapturingAppender();
        attach(appender);
        LocalStack stack = LocalStack.start(LocalStackOptions.forTests());
        List<SimulatedCall> calls;
        String callSid;
        try {
            // Spring Boot re-initialises Logback when the first service starts; attach again for the call itself
            attach(appender);
            WebTestClient gateway = WebTestClient.bindToServer().baseUrl(stack.gatewayUrl())
                    .responseTimeout(Duration.ofSeconds(15)).build();
            callSid = FaultDrill.makeCall(gateway, stack);
            await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(250))
                    .until(() -> completed(gateway, stack, callSid));
            // let the last asynchronous lines (outcome, evaluation, callbacks) be written
            Thread.sleep(2000);
            calls = stack.simulators().twilio().calls();
        } finally {
            stack.close();
            detach(appender);
        }

        List<String> lines = new ArrayList<>(appender.lines);
        assertThat(lines).as("captured log lines").hasSizeGreaterThan(100);
        assertThat(lines).as("lines about the call").anyMatch(line -> line.contains(callSid));
        // a consumer's log lines carry the call they work for (MDC from the record's ce_callsid/ce_tenantid)
        assertThat(lines).as("tool executor lines tagged with the call")
                .anyMatch(line -> line.startsWith("dev.voiceagent.tools") && line.contains(" call_sid=" + callSid)
                        && line.contains(" tenant_id=demo"));

        Set<String> secrets = new LinkedHashSet<>();
        LocalStackOptions options = stack.options();
        secrets.add(options.tenantApiKey());
        secrets.add(options.adminKey());
        secrets.add(options.twilioAuthToken());
        secrets.add(stack.simulators().realtimeApiKey());
        secrets.add(mediaTokenSecret(stack));
        for (SimulatedCall call : calls) {
            call.customParameters().values().stream().filter(value -> value.length() > 40).forEach(secrets::add);
            call.webhooks().stream().map(Webhook::signature).filter(s -> s != null && !s.isBlank()).forEach(secrets::add);
        }
        assertThat(secrets).as("secrets to look for").hasSizeGreaterThan(6);

        List<String> leaks = new ArrayList<>();
        for (String line : lines) {
            NUMBERS.stream().filter(line::contains).forEach(number -> leaks.add("number " + number + ": " + line));
            secrets.stream().filter(line::contains).forEach(secret -> leaks.add("secret " + mask(secret) + ": " + line));
        }
        assertThat(leaks).as("log lines leaking a number or a secret").isEmpty();
    }

    private static boolean completed(WebTestClient gateway, LocalStack stack, String callSid) {
        Map<?, ?> log = gateway.get().uri("/api/v1/call-logs/{sid}", callSid)
                .header("x-api-key", stack.options().tenantApiKey())
                .exchange().returnResult(Map.class).getResponseBody().blockFirst(Duration.ofSeconds(5));
        return log != null && "completed".equals(log.get("status")) && log.get("outcome") != null;
    }

    private static String mediaTokenSecret(LocalStack stack) throws ReflectiveOperationException {
        var field = LocalStack.class.getDeclaredField("mediaTokenSecret");
        field.setAccessible(true);
        return (String) field.get(stack);
    }

    private static String mask(String secret) {
        return secret.length() <= 6 ? "***" : secret.substring(0, 3) + "***";
    }

    private static void attach(CapturingAppender appender) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root.getAppender("log-scan") == null) {
            appender.setName("log-scan");
            appender.setContext(context);
            appender.start();
            root.addAppender(appender);
        }
    }

    private static void detach(CapturingAppender appender) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(appender);
        appender.stop();
    }
}
