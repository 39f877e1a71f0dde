package dev.voiceagent.evaluation;

import dev.voiceagent.testkit.service.ServiceHealthChecks;

/** Health, readiness, metrics and error-format checks of the evaluation-service. */
class ServiceHealthIT extends ServiceHealthChecks {
}
