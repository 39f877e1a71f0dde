package dev.voiceagent.gateway.hostile;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/** Generators of hostile input for the gateway's public surface. */
final class HostileArbitraries {

    static final List<String> TWILIO_PARAMS = List.of("CallSid", "AccountSid", "From", "To", "CallStatus",
            "Direction", "AnsweredBy", "CallDuration", "SequenceNumber", "Timestamp", "ParentCallSid", "Caller");

    private HostileArbitraries() {
    }

    /** Strings a caller might send: ordinary, empty, control characters, unicode, numbers, huge. */
    static Arbitrary<String> values() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.strings().ofMaxLength(40)),
                Tuple.of(2, Arbitraries.strings().all().ofMaxLength(20)),
                Tuple.of(2, Arbitraries.of("", " ", "null", "+15555550000", "+15555550100", "CA00000000000000000000000000000000",
                        "completed", "in-progress", "ringing", "machine_start", "human", "-1", "1e309", "\u0000",
                        "<Say>x</Say>", "${jndi:ldap://x}", "'; DROP TABLE call_logs;--", "\uD800")),
                Tuple.of(1, Arbitraries.strings().withCharRange('a', 'z').ofMinLength(5_000).ofMaxLength(20_000)));
    }

    /** Twilio-like parameter maps: known and unknown names, missing ones, odd values. */
    static Arbitrary<Map<String, String>> twilioParams() {
        Arbitrary<String> names = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of(TWILIO_PARAMS)),
                Tuple.of(1, Arbitraries.strings().ofMinLength(1).ofMaxLength(12)));
        return Arbitraries.maps(names, values()).ofMaxSize(10);
    }

    /** A form body that may be valid, badly percent-encoded, invalid UTF-8 once decoded, or duplicated. */
    static Arbitrary<String> rawForms() {
        Arbitrary<String> pair = Arbitraries.frequencyOf(
                Tuple.of(3, Combinators.combine(Arbitraries.of(TWILIO_PARAMS), values())
                        .as((n, v) -> n + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8))),
                Tuple.of(2, Arbitraries.of("%", "%z", "%zz=1", "To=%", "From=%C3%28", "CallSid=%FF%FE", "=", "==",
                        "&&", "To", "To=1&To=2", "CallSid=%E2%82", "x=%00", "%%%")),
                Tuple.of(2, Arbitraries.strings().ofMaxLength(30)));
        return pair.list().ofMaxSize(8).map(pairs -> String.join("&", pairs));
    }

    /** Random JSON documents: objects, arrays, scalars, wrong types, deep nesting, broken syntax. */
    static Arbitrary<String> jsonTrees() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, tree(4)),
                Tuple.of(1, Arbitraries.integers().between(100, 3000).map(HostileArbitraries::deeplyNested)),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(40)),
                Tuple.of(1, tree(2).map(json -> json.length() > 1 ? json.substring(0, json.length() / 2) : json)));
    }

    /** JSON objects whose fields are make-call's own names mixed with others, each with a random value. */
    static Arbitrary<String> makeCallBodies() {
        Arbitrary<String> names = Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.of("to", "from", "agent_key", "agent_version_id", "greeting",
                        "machine_detection", "voicemail_policy", "voicemail_message")),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(10)));
        Arbitrary<String> field = Combinators.combine(names, Arbitraries.frequencyOf(
                        Tuple.of(3, values().map(HostileArbitraries::quote)),
                        Tuple.of(2, tree(2))))
                .as((name, value) -> quote(name) + ":" + value);
        return Arbitraries.frequencyOf(
                Tuple.of(5, field.list().ofMaxSize(6).map(fields -> "{" + String.join(",", fields) + "}")),
                Tuple.of(2, jsonTrees()));
    }

    private static Arbitrary<String> tree(int depth) {
        Arbitrary<String> scalar = Arbitraries.oneOf(
                values().map(HostileArbitraries::quote),
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.doubles().map(d -> Double.isFinite(d) ? String.valueOf(d) : "1e999"),
                Arbitraries.of("true", "false", "null"));
        if (depth == 0) {
            return scalar;
        }
        Arbitrary<String> array = tree(depth - 1).list().ofMaxSize(4).map(items -> "[" + String.join(",", items) + "]");
        Arbitrary<String> object = Combinators.combine(values().map(HostileArbitraries::quote), tree(depth - 1))
                .as((k, v) -> k + ":" + v).list().ofMaxSize(4).map(items -> "{" + String.join(",", items) + "}");
        return Arbitraries.frequencyOf(Tuple.of(2, scalar), Tuple.of(1, array), Tuple.of(2, object));
    }

    static String deeplyNested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    /** A JSON string literal (escaped as JSON requires). */
    static String quote(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
