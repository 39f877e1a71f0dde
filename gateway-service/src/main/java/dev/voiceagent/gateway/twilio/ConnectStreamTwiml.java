package dev.voiceagent.gateway.twilio;

/**
 * The connect-stream TwiML of one stream URL, rendered once by the Twilio SDK with placeholder parameter values;
 * each call only puts its escaped values in. The SDK's {@code toXml()} looks its XML factories up through the
 * service loader (a scan of every jar) and builds a DOM for each document, which cost more than the rest of
 * {@code incoming-call} together. Values the template cannot escape exactly as the SDK does (control characters,
 * unpaired surrogates) go through the SDK.
 */
public final class ConnectStreamTwiml {

    private static final String TOKEN = "VOICETOKENPLACEHOLDER";
    private static final String GREETING = "VOICEGREETINGPLACEHOLDER";

    private final String streamUrl;
    private final String[] plain;
    private final String[] greeted;

    public ConnectStreamTwiml(String streamUrl) {
        this.streamUrl = streamUrl;
        this.plain = split(TwimlResponses.connectStream(streamUrl, TOKEN, null), TOKEN);
        this.greeted = split(TwimlResponses.connectStream(streamUrl, TOKEN, GREETING), TOKEN, GREETING);
    }

    /** The same document as {@link TwimlResponses#connectStream} for this stream URL. */
    public String render(String token, String greeting) {
        boolean withGreeting = greeting != null && !greeting.isBlank();
        if (!escapable(token) || (withGreeting && !escapable(greeting))) {
            return TwimlResponses.connectStream(streamUrl, token, greeting);
        }
        if (!withGreeting) {
            return plain[0] + escape(token) + plain[1];
        }
        return greeted[0] + escape(token) + greeted[1] + escape(greeting) + greeted[2];
    }

    private static String[] split(String xml, String... placeholders) {
        String[] parts = new String[placeholders.length + 1];
        int from = 0;
        for (int i = 0; i < placeholders.length; i++) {
            int at = xml.indexOf(placeholders[i], from);
            if (at < 0 || xml.indexOf(placeholders[i], at + 1) >= 0) {
                throw new IllegalStateException("the stream URL must not contain the TwiML placeholders");
            }
            parts[i] = xml.substring(from, at);
            from = at + placeholders[i].length();
        }
        parts[placeholders.length] = xml.substring(from);
        return parts;
    }

    /** Whether every character is one the template escapes as the SDK's serializer does. */
    static boolean escapable(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || (c >= 0x7F && c <= 0x9F)
                    || Character.isSurrogate(c) || c == '\u2028' || c >= 0xFFFE) {
                return false;
            }
        }
        return true;
    }

    /** Attribute-value escaping as the JDK serializer behind the SDK's TwiML writes it. */
    static String escape(String value) {
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String entity = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\t' -> "&#9;";
                case '\n' -> "&#10;";
                case '\r' -> "&#13;";
                default -> null;
            };
            if (entity != null && out == null) {
                out = new StringBuilder(value.length() + 16).append(value, 0, i);
            }
            if (out != null) {
                if (entity != null) {
                    out.append(entity);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? value : out.toString();
    }
}
