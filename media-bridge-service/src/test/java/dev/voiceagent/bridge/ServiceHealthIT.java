package dev.voiceagent.bridge;

import dev.voiceagent.testkit.service.ServiceHealthChecks;

/** Health, readiness, metrics and error-format checks of the media-bridge-service. */
class ServiceHealthIT extends ServiceHealthChecks {
}
