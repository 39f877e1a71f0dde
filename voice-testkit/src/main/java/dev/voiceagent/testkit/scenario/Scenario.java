package dev.voiceagent.testkit.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A scripted call: the agent's optional greeting, then what the caller says turn by turn and what the model does.
 * After the last turn the caller hangs up once the answer has played, unless it {@code staysOnLine}: then it
 * waits for the other side to end the call (a transfer, the agent hanging up) or for the call's time limit.
 */
public record Scenario(String name, List<Turn> turns, String greeting, boolean staysOnLine) {

    public Scenario {
        Objects.requireNonNull(name, "name");
        turns = turns == null ? List.of() : List.copyOf(turns);
    }

    /** A caller who hangs up after the last answer. */
    public Scenario(String name, List<Turn> turns, String greeting) {
        this(name, turns, greeting, false);
    }

    /** The turn at this index, if the script has one. */
    public java.util.Optional<Turn> turn(int index) {
        return index >= 0 && index < turns.size() ? java.util.Optional.of(turns.get(index)) : java.util.Optional.empty();
    }

    /** Starts a scenario builder. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Builds scenarios from Java tests. */
    public static final class Builder {
        private final String name;
        private final List<Turn> turns = new ArrayList<>();
        private String greeting;
        private boolean staysOnLine;

        private Builder(String name) {
            this.name = name;
        }

        /** The agent's first words when the client asks for a response before the caller spoke. */
        public Builder greeting(String text) {
            this.greeting = text;
            return this;
        }

        /** After the last turn the caller waits for the other side to end the call. */
        public Builder staysOnLine() {
            this.staysOnLine = true;
            return this;
        }

        /** Adds a turn. */
        public Builder turn(Turn turn) {
            turns.add(turn);
            return this;
        }

        /** Adds a plain turn. */
        public Builder turn(String callerSays, ModelAction... actions) {
            return turn(Turn.of(callerSays, actions));
        }

        /** The scenario. */
        public Scenario build() {
            return new Scenario(name, turns, greeting, staysOnLine);
        }
    }
}
