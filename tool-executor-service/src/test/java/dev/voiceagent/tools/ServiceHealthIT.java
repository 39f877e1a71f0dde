package dev.voiceagent.tools;

import dev.voiceagent.testkit.service.ServiceHealthChecks;

/** Health, readiness, metrics and error-format checks of the tool-executor-service. */
class ServiceHealthIT extends ServiceHealthChecks {
}
