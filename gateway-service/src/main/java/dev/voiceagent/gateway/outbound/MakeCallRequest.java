package dev.voiceagent.gateway.outbound;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.gateway.calllog.MachineDetection;
import dev.voiceagent.gateway.support.Agents;
import dev.voiceagent.support.tenant.RolloutSelector;
import dev.voiceagent.support.PhoneNumbers;
import dev.voiceagent.support.Problems;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A validated make-call request: numbers in E.164, the agent resolved against the tenant's published view. */
public record MakeCallRequest(String to, String from, String agentKey, String agentVersionId, String greeting,
                              MachineDetection machineDetection) {

    /**
     * The JSON body as callers send it (snake_case on the wire), for the API documents; {@link #parse} reads it
     * field by field, accepting exactly these fields.
     */
    public record MakeCallBody(String to, String from, String agentKey, String agentVersionId, String greeting,
                               String machineDetection, String voicemailPolicy, String voicemailMessage) {
    }

    static final int MAX_GREETING = 500;
    static final int MAX_VOICEMAIL_MESSAGE = 1000;
    static final Set<String> FIELDS = Set.of("to", "from", "agent_key", "agent_version_id", "greeting",
            "machine_detection", "voicemail_policy", "voicemail_message");

    /** Parses and validates the JSON body; every problem is a 400 naming its field. */
    public static MakeCallRequest parse(JsonMapper json, String body, TenantConfigPublished tenant) {
        JsonNode root = readObject(json, body);
        root.propertyNames().forEach(name -> {
            if (!FIELDS.contains(name)) {
                throw Problems.invalidField(name, "unknown field");
            }
        });
        String to = text(root, "to");
        if (to == null) {
            throw Problems.invalidField("to", "is required");
        }
        if (!PhoneNumbers.isE164(to)) {
            throw Problems.invalidField("to", "must be an E.164 number such as +15555550100");
        }
        String from = text(root, "from");
        if (from == null) {
            from = tenant.phoneNumbers() == null ? null : tenant.phoneNumbers().stream().findFirst().orElse(null);
            if (from == null) {
                throw Problems.invalidField("from", "is required: the tenant has no phone number");
            }
        } else if (!PhoneNumbers.isE164(from)) {
            throw Problems.invalidField("from", "must be an E.164 number such as +15555550000");
        } else if (tenant.phoneNumbers() == null || !tenant.phoneNumbers().contains(from)) {
            // another tenant's number would make the call theirs: its TwiML request names that number
            throw Problems.invalidField("from", "must be one of the tenant's phone numbers");
        }
        String requestedAgent = text(root, "agent_key");
        AgentView agent = Agents.choose(tenant, requestedAgent).orElse(null);
        if (requestedAgent != null && agent == null) {
            throw Problems.invalidField("agent_key", "the tenant has no agent '" + requestedAgent + "'");
        }
        String requestedVersion = text(root, "agent_version_id");
        if (requestedVersion != null && (agent == null || !RolloutSelector.knows(agent, requestedVersion))) {
            throw Problems.invalidField("agent_version_id", "is not a published version of the agent");
        }
        // an explicit version wins; otherwise the rollout picks one for the callee, sticky where configured
        String version = agent == null ? null : RolloutSelector.select(agent, to, requestedVersion).agentVersionId();
        String greeting = text(root, "greeting");
        if (greeting != null && greeting.length() > MAX_GREETING) {
            throw Problems.invalidField("greeting", "must be at most " + MAX_GREETING + " characters");
        }
        return new MakeCallRequest(to, from, agent == null ? null : agent.agentKey(), version, greeting,
                machineDetection(root));
    }

    /** {@code machine_detection} with its {@code voicemail_policy} (default hangup) and {@code voicemail_message}. */
    private static MachineDetection machineDetection(JsonNode root) {
        String mode = text(root, "machine_detection");
        String policy = text(root, "voicemail_policy");
        String message = text(root, "voicemail_message");
        if (mode == null) {
            if (policy != null) {
                throw Problems.invalidField("voicemail_policy", "requires machine_detection");
            }
            if (message != null) {
                throw Problems.invalidField("voicemail_message", "requires machine_detection");
            }
            return null;
        }
        if (!MachineDetection.MODES.contains(mode)) {
            throw Problems.invalidField("machine_detection", "must be Enable or DetectMessageEnd");
        }
        if (policy == null) {
            policy = MachineDetection.HANGUP;
        } else if (!MachineDetection.POLICIES.contains(policy)) {
            throw Problems.invalidField("voicemail_policy", "must be hangup or leave_message");
        }
        if (MachineDetection.LEAVE_MESSAGE.equals(policy) && message == null) {
            throw Problems.invalidField("voicemail_message", "is required with voicemail_policy leave_message");
        }
        if (MachineDetection.HANGUP.equals(policy) && message != null) {
            throw Problems.invalidField("voicemail_message", "is only used with voicemail_policy leave_message");
        }
        if (message != null && message.length() > MAX_VOICEMAIL_MESSAGE) {
            throw Problems.invalidField("voicemail_message", "must be at most " + MAX_VOICEMAIL_MESSAGE + " characters");
        }
        return new MachineDetection(mode, policy, message);
    }

    /** Hex SHA-256 of the request, to tell an honest retry from a different request under the same key. */
    public String fingerprint() {
        String canonical = String.join("\u0000", to, from, String.valueOf(agentKey), String.valueOf(agentVersionId),
                String.valueOf(greeting))
                // appended only when present, so fingerprints stored before machine detection existed still match
                + (machineDetection == null ? "" : "\u0000" + machineDetection);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode readObject(JsonMapper json, String body) {
        if (body == null || body.isBlank()) {
            throw Problems.badRequest("A JSON body {\"to\": \"+1…\"} is required.");
        }
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            throw Problems.badRequest("The JSON body could not be parsed.");
        }
        if (root == null || !root.isObject()) {
            throw Problems.badRequest("The JSON body must be an object.");
        }
        return root;
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            throw Problems.invalidField(field, "must be a string");
        }
        String value = node.asString().trim();
        return value.isEmpty() ? null : value;
    }
}
