package dev.voiceagent.bridge.support;

import dev.voiceagent.contracts.Topics;

/** This instance's identity on Kafka: its tool reply topic and the consumer group that reads it. */
public record BridgeInstance(String instanceId, String serviceName) {

    public String replyTopic() {
        return Topics.toolReplies(instanceId);
    }

    public String replyGroup() {
        return serviceName + "-replies-" + instanceId;
    }

    public String listenerId() {
        return serviceName + "-tool-replies";
    }
}
