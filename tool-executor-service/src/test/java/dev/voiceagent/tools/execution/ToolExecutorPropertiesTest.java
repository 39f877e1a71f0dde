package dev.voiceagent.tools.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;

/** The age rule: a call's request runs only while its answer can still reach the bridge before the bridge gives up. */
public class ToolExecutorPropertiesTest {

    /** {@code voice.tools.*} as the service ships it ({@code tool-executor-service.yml} over the record's defaults). */
    public static ToolExecutorProperties shipped() {
        return bind(Map.of());
    }

    @Test
    void theShippedMaximumAgesLeaveEachToolsTimeoutAndTheClockAllowanceWithinTheBridgesWait() {
        ToolExecutorProperties properties = shipped();

        assertThat(properties.maxRequestAgeFor(false)).isEqualTo(Duration.ofSeconds(5));
        assertThat(properties.maxRequestAgeFor(true)).isEqualTo(Duration.ofSeconds(2));
        for (boolean callsTwilio : List.of(false, true)) {
            assertThat(properties.maxRequestAgeFor(callsTwilio).plus(properties.timeoutFor(callsTwilio))
                    .plus(properties.clockSkew())).isLessThanOrEqualTo(properties.bridgeToolTimeout());
        }
    }

    @Test
    void aSevenSecondOldRequestIsExpiredUnderTheShippedSettings() {
        ToolCall call = ToolCallProcessorTest.call("call_1", "media-bridge-service", Duration.ofSeconds(7));

        assertThat(ToolCallProcessor.expired(call, ToolCallProcessorTest.NOW, shipped().maxRequestAgeFor(false)))
                .isTrue();
    }

    @Test
    void aThreeSecondOldRequestRunsALookupButNotATwilioTool() {
        // begun at 3 s, a text whose Twilio request takes its whole 5 s budget answers after the bridge's 8 s; a
        // lookup cut off at 2 s still answers in time
        ToolCall call = ToolCallProcessorTest.call("call_1", "media-bridge-service", Duration.ofSeconds(3));

        assertThat(ToolCallProcessor.expired(call, ToolCallProcessorTest.NOW, shipped().maxRequestAgeFor(true)))
                .isTrue();
        assertThat(ToolCallProcessor.expired(call, ToolCallProcessorTest.NOW, shipped().maxRequestAgeFor(false)))
                .isFalse();
    }

    @Test
    void anUnsetMaximumAgeFollowsTheBridgesWaitTheToolTimeoutAndTheClockAllowance() {
        ToolExecutorProperties properties = bind(Map.of("voice.tools.bridge-tool-timeout", "20s",
                "voice.tools.timeout", "10s", "voice.tools.twilio-timeout", "12s", "voice.tools.clock-skew", "500ms"));

        assertThat(properties.maxRequestAgeFor(false)).isEqualTo(Duration.ofMillis(9500));
        assertThat(properties.maxRequestAgeFor(true)).isEqualTo(Duration.ofMillis(7500));
    }

    @Test
    void aConfiguredAgeThatFitsIsKeptForEveryTool() {
        ToolExecutorProperties properties = bind(Map.of("voice.tools.max-request-age", "1500ms"));
        assertThat(properties.maxRequestAgeFor(false)).isEqualTo(Duration.ofMillis(1500));
        assertThat(properties.maxRequestAgeFor(true)).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void anAgeThatWouldLetARequestRunAfterTheBridgeGaveUpFailsTheStart() {
        assertThatThrownBy(() -> bind(Map.of("voice.tools.max-request-age", "10s")))
                .isInstanceOf(BindException.class)
                .rootCause().hasMessageContaining("voice.tools.max-request-age (PT10S)")
                .hasMessageContaining("at most PT2S fits");
    }

    @Test
    void aToolTimeoutThatLeavesNoTimeWithinTheBridgesWaitFailsTheStart() {
        assertThatThrownBy(() -> bind(Map.of("voice.tools.twilio-timeout", "7s")))
                .isInstanceOf(BindException.class)
                .rootCause().hasMessageContaining("leaves no time within voice.tools.bridge-tool-timeout");
        assertThatThrownBy(() -> bind(Map.of("voice.tools.timeout", "8s")))
                .isInstanceOf(BindException.class)
                .rootCause().hasMessageContaining("leaves no time within voice.tools.bridge-tool-timeout");
    }

    private static ToolExecutorProperties bind(Map<String, String> overrides) {
        List<ConfigurationPropertySource> sources = new ArrayList<>();
        sources.add(new MapConfigurationPropertySource(overrides));
        ConfigurationPropertySources.from(shippedYaml()).forEach(sources::add);
        return new Binder(sources).bindOrCreate("voice.tools", ToolExecutorProperties.class);
    }

    private static List<PropertySource<?>> shippedYaml() {
        try {
            return new YamlPropertySourceLoader().load("tool-executor-service.yml",
                    new ClassPathResource("tool-executor-service.yml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
