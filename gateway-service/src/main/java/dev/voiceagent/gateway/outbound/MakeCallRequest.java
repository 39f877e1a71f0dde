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
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A validated make-call request: numbers in E.164, the agent resolved against the tenant's published view, and the
 * body as it was sent ({@code sent}), which its Idempotency-Key fingerprint covers.
 */
public record MakeCallRequest(String to, String from, String agentKey, String agentVersionId, String greeting,
                              MachineDetection machineDetection, MakeCallBody sent) {

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
        MakeCallBody sent = new MakeCallBody(text(root, "to"), text(root, "from"), text(root, "agent_key"),
                text(root, "agent_version_id"), text(root, "greeting"), text(root, "machine_detection"),
                text(root, "voicemail_policy"), text(root, "voicemail_message"));
        String to = sent.to();
        if (to == null) {
            throw Problems.invalidField("to", "is required");
        }
        if (!PhoneNumbers.isE164(to)) {
            throw Problems.invalidField("to", "must be an E.164 number such as +15555550100");
        }
        String from = sent.from();
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
        String requestedAgent = sent.agentKey();
        AgentView agent = Agents.choose(tenant, requestedAgent).orElse(null);
        if (requestedAgent != null && agent == null) {
            throw Problems.invalidField("agent_key", "the tenant has no agent '" + requestedAgent + "'");
        }
        String requestedVersion = sent.agentVersionId();
        if (requestedVersion != null && (agent == null || !RolloutSelector.knows(agent, requestedVersion))) {
            throw Problems.invalidField("agent_version_id", "is not a published version of the agent");
        }
        // an explicit version wins; otherwise the rollout picks one for the callee, sticky where configured
        String version = agent == null ? null : RolloutSelector.select(agent, to, requestedVersion).agentVersionId();
        String greeting = sent.greeting();
        if (greeting != null && greeting.length() > MAX_GREETING) {
            throw Problems.invalidField("greeting", "must be at most " + MAX_GREETING + " characters");
        }
        return new MakeCallRequest(to, from, agent == null ? null : agent.agentKey(), version, greeting,
                machineDetection(sent), sent);
    }

    /** {@code machine_detection} with its {@code voicemail_policy} (default hangup) and {@code voicemail_message}. */
    private static MachineDetection machineDetection(MakeCallBody sent) {
        String mode = sent.machineDetection();
        String policy = sent.voicemailPolicy();
        String message = sent.voicemailMessage();
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

    /**
     * Hex SHA-256 of the body as sent (every field, trimmed), to tell an honest retry from a different request under
     * the same key. Not of what was derived from it: the version a random rollout split drew, or the default number
     * or agent of the tenant's view now, may differ between a request and its retry.
     */
    public String fingerprint() {
        StringBuilder canonical = new StringBuilder("make-call body v2");
        for (String field : Arrays.asList(sent.to(), sent.from(), sent.agentKey(), sent.agentVersionId(),
                sent.greeting(), sent.machineDetection(), sent.voicemailPolicy(), sent.voicemailMessage())) {
            // absent or length-prefixed, so that no two bodies share a canonical form
            canonical.append('|').append(field == null ? "-" : field.length() + ":" + field);
        }
        return sha256(canonical.toString());
    }

    /**
     * Whether a key's stored fingerprint is this request's. Keys stored before fingerprints covered the body as sent
     * (within {@code voice.gateway.idempotency-retention} of that release) still hold the older form, of the derived
     * request; it is accepted too.
     */
    public boolean matches(String storedFingerprint) {
        return fingerprint().equals(storedFingerprint) || derivedFingerprint().equals(storedFingerprint);
    }

    private String derivedFingerprint() {
        return sha256(String.join("\u0000", to, from, String.valueOf(agentKey), String.valueOf(agentVersionId),
                String.valueOf(greeting)) + (machineDetection == null ? "" : "\u0000" + machineDetection));
    }

    private static String sha256(String canonical) {
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
