package dev.voiceagent.tools.lookup;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The tenant lookup connector ({@code voice.tools.lookup-connector.*}): the cut-off of one request to a tenant's
 * backend, kept well below {@code voice.tools.timeout} so the Postgres fallback still fits in the tool's time.
 */
@ConfigurationProperties("voice.tools.lookup-connector")
public record LookupConnectorProperties(@DefaultValue("800ms") Duration timeout) {
}
