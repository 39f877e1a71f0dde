package dev.voiceagent.testkit.scenario;

import java.util.List;
import java.util.Objects;

/** One caller turn: what the caller says (and keys), whether it barges in, and what the model does in answer. */
public record Turn(String callerSays, boolean bargeIn, List<String> dtmf, List<ModelAction> modelActions) {

    public Turn {
        Objects.requireNonNull(callerSays, "callerSays");
        dtmf = dtmf == null ? List.of() : List.copyOf(dtmf);
        modelActions = modelActions == null ? List.of() : List.copyOf(modelActions);
    }

    /** A turn without barge-in or DTMF. */
    public static Turn of(String callerSays, ModelAction... actions) {
        return new Turn(callerSays, false, List.of(), List.of(actions));
    }

    /** The same turn, spoken while the agent is still talking. */
    public Turn withBargeIn() {
        return new Turn(callerSays, true, dtmf, modelActions);
    }

    /** The same turn, with these DTMF digits keyed before speaking. */
    public Turn withDtmf(String... digits) {
        return new Turn(callerSays, bargeIn, List.of(digits), modelActions);
    }

    /** How many {@link ModelAction.Say} answers the model gives in this turn. */
    public long sayCount() {
        return modelActions.stream().filter(ModelAction.Say.class::isInstance).count();
    }
}
