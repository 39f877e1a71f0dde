package dev.voiceagent.testkit.twilio;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON bodies of Twilio's REST API (2010-04-01) that the simulator answers with, snake_case as Twilio sends,
 * and those of the simulator's own control endpoint.
 */
final class TwilioRestJson {

    static final String API_VERSION = "2010-04-01";
    static final DateTimeFormatter RFC_2822 =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);

    private final JsonMapper json;

    TwilioRestJson(JsonMapper json) {
        this.json = json;
    }

    String call(SimulatedCall call, Instant created) {
        String uri = "/" + API_VERSION + "/Accounts/" + call.accountSid() + "/Calls/" + call.sid();
        ObjectNode node = json.createObjectNode()
                .put("sid", call.sid()).put("account_sid", call.accountSid())
                .put("to", call.to()).put("to_formatted", call.to())
                .put("from", call.from()).put("from_formatted", call.from())
                .put("status", call.status()).put("direction", call.direction())
                .put("api_version", API_VERSION)
                .put("date_created", RFC_2822.format(created)).put("date_updated", RFC_2822.format(Instant.now()))
                .put("duration", call.durationSeconds() == null ? null : call.durationSeconds().toString())
                .put("price_unit", "USD").put("queue_time", "0")
                .put("uri", uri + ".json");
        for (String absent : new String[] {"start_time", "end_time", "price", "parent_call_sid", "phone_number_sid",
                "answered_by", "caller_name", "forwarded_from", "group_sid", "trunk_sid", "annotation"}) {
            node.putNull(absent);
        }
        ObjectNode subresources = node.putObject("subresource_uris");
        for (String sub : new String[] {"notifications", "recordings", "payments", "events", "siprec", "streams",
                "user_defined_message_subscriptions", "user_defined_messages"}) {
            subresources.put(sub, uri + "/" + sub.substring(0, 1).toUpperCase(Locale.ROOT) + sub.substring(1) + ".json");
        }
        return json.writeValueAsString(node);
    }

    String message(SimulatedMessage message, Instant created) {
        String uri = "/" + API_VERSION + "/Accounts/" + message.accountSid() + "/Messages/" + message.sid();
        ObjectNode node = json.createObjectNode()
                .put("sid", message.sid()).put("account_sid", message.accountSid())
                .put("to", message.to()).put("from", message.from()).put("body", message.body())
                .put("status", message.status()).put("direction", "outbound-api")
                .put("api_version", API_VERSION).put("num_segments", "1").put("num_media", "0")
                .put("date_created", RFC_2822.format(created)).put("date_updated", RFC_2822.format(Instant.now()))
                .put("price_unit", "USD").put("uri", uri + ".json");
        for (String absent : new String[] {"date_sent", "price", "error_code", "error_message", "messaging_service_sid"}) {
            node.putNull(absent);
        }
        node.putObject("subresource_uris").put("media", uri + "/Media.json");
        return json.writeValueAsString(node);
    }

    String error(int code, String message, int status) {
        return json.writeValueAsString(json.createObjectNode().put("code", code).put("message", message)
                .put("more_info", "https://www.twilio.com/docs/errors/" + code).put("status", status));
    }

    String scriptRegistered(String to, String name, int turns, long expiresInSeconds) {
        return json.writeValueAsString(json.createObjectNode().put("to", to).put("name", name).put("turns", turns)
                .put("expires_in_seconds", expiresInSeconds));
    }

    /** An RFC 9457 problem body. */
    String problem(int status, String title, String detail) {
        return json.writeValueAsString(json.createObjectNode().put("type", "about:blank").put("title", title)
                .put("status", status).put("detail", detail));
    }
}
