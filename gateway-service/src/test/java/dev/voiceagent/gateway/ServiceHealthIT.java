package dev.voiceagent.gateway;

import dev.voiceagent.testkit.service.ServiceHealthChecks;

/** Health, readiness, metrics and error-format checks of the gateway-service. */
class ServiceHealthIT extends ServiceHealthChecks {
}
