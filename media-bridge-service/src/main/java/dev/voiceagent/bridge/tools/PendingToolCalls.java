package dev.voiceagent.bridge.tools;

import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Tool calls of this instance's sessions that wait for their reply, by {@code tool_call_id}. A reply completes a
 * call once; a reply for an unknown or finished call (a duplicate, or one after the timeout) is ignored.
 */
public class PendingToolCalls {

    private final Map<String, Consumer<ToolCompleted>> pending = new ConcurrentHashMap<>();

    public void register(String toolCallId, Consumer<ToolCompleted> onReply) {
        pending.put(toolCallId, onReply);
    }

    public void forget(String toolCallId) {
        pending.remove(toolCallId);
    }

    /** Hands the reply to the waiting session; false when nobody waits for it. */
    public boolean complete(ToolCompleted reply) {
        Consumer<ToolCompleted> waiting = pending.remove(reply.toolCallId());
        if (waiting == null) {
            return false;
        }
        waiting.accept(reply);
        return true;
    }

    public int size() {
        return pending.size();
    }
}
