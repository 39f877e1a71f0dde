package dev.voiceagent.callbacks;

import dev.voiceagent.testkit.service.ServiceHealthChecks;

/** Health, readiness, metrics and error-format checks of the callback-service. */
class ServiceHealthIT extends ServiceHealthChecks {
}
