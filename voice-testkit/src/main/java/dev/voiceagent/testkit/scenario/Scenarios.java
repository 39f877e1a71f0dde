package dev.voiceagent.testkit.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Loads scenario scripts from the classpath ({@code testkit/scenarios/<name>.json}) or from JSON text.
 *
 * <pre>{@code
 * {"name": "...", "greeting": "...", "stay_on_line": false,
 *  "turns": [{"caller_says": "...", "barge_in": false, "dtmf": ["1"],
 *             "model_actions": [{"call_tool": "lookup", "arguments": {"account_number": "1001"}},
 *                               {"say": "Your balance is {balance} {currency}."}]}]}
 * }</pre>
 */
public final class Scenarios {

    /** The shipped demo scenario: greeting, account lookup, callback request, goodbye. */
    public static final String ACCOUNT_LOOKUP = "account-lookup";
    /** The shipped quick scenario: greeting and one turn without tools. */
    public static final String GREETING_ONLY = "greeting-only";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Scenarios() {
    }

    /** Loads {@code testkit/scenarios/<name>.json} from the classpath. */
    public static Scenario load(String name) {
        String resource = "testkit/scenarios/" + name + ".json";
        try (InputStream in = Scenarios.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no scenario on the classpath at " + resource);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** Parses a scenario from its JSON text. */
    public static Scenario parse(String json) {
        try {
            JsonNode root = JSON.readTree(json);
            List<Turn> turns = new ArrayList<>();
            for (JsonNode turn : root.path("turns")) {
                turns.add(turn(turn));
            }
            return new Scenario(required(root, "name"), turns, optional(root, "greeting"),
                    root.path("stay_on_line").asBoolean(false));
        } catch (JacksonException e) {
            throw new IllegalArgumentException("scenario is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Turn turn(JsonNode node) {
        List<String> dtmf = new ArrayList<>();
        node.path("dtmf").forEach(digit -> dtmf.add(digit.asString()));
        List<ModelAction> actions = new ArrayList<>();
        node.path("model_actions").forEach(action -> actions.add(action(action)));
        return new Turn(node.path("caller_says").asString(""), node.path("barge_in").asBoolean(false), dtmf, actions);
    }

    @SuppressWarnings("unchecked")
    private static ModelAction action(JsonNode node) {
        if (node.hasNonNull("call_tool")) {
            Map<String, Object> arguments = node.has("arguments")
                    ? JSON.convertValue(node.get("arguments"), Map.class)
                    : Map.of();
            return new ModelAction.CallTool(node.get("call_tool").asString(), arguments);
        }
        if (node.hasNonNull("say")) {
            return new ModelAction.Say(node.get("say").asString());
        }
        throw new IllegalArgumentException("model action needs 'call_tool' or 'say': " + node);
    }

    private static String required(JsonNode node, String field) {
        String value = optional(node, field);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("scenario needs '" + field + "'");
        }
        return value;
    }

    private static String optional(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }
}
