package dev.voiceagent.testkit.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A scripted call: the agent's optional greeting, then what the caller says turn by turn and what the model does. */
public record Scenario(String name, List<Turn> turns, String greeting) {

    public Scenario {
        Objects.requireNonNull(name, "name");
        turns = turns == null ? List.of() : List.copyOf(turns);
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

        private Builder(String name) {
            this.name = name;
        }

        /** The agent's first words when the client asks for a response before the caller spoke. */
        public Builder greeting(String text) {
            this.greeting = text;
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
            return new Scenario(name, turns, greeting);
        }
    }
}
