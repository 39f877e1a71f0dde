package dev.voiceagent.gateway.media;

import java.time.Instant;

/**
 * What a media token binds: the call, its tenant, the agent version chosen at TwiML time and the caller, plus
 * the call's trace context (null when none) so that the media path joins the call's trace.
 */
public record MediaTokenClaims(String tokenId, String callSid, String tenantId, String agentKey,
                               String agentVersionId, String caller, String direction, Instant expiresAt,
                               String traceparent) {
}
