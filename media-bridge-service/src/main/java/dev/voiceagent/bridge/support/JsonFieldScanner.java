package dev.voiceagent.bridge.support;

/**
 * Reads chosen string fields out of a small JSON object without building a tree: the fast path of the media
 * codecs, which see fifty audio frames a second per call. It accepts only the plain shape those frames have (an
 * object of strings, numbers and literals, with objects nested one level) and answers {@code false} for anything
 * else (escapes, arrays, deeper nesting, a wanted field twice, a wanted field that is not a string, malformed
 * JSON), so that the caller falls back to the full codec, which decodes or rejects the frame as it always did.
 * <p>
 * Wanted fields are named {@code "name"} at the top level or {@code "parent.name"} one level down; values are
 * substrings of the input (never unescaped: an escape makes the scan fail). One scanner serves one field list and
 * is immutable, so it can be shared between threads.
 */
public final class JsonFieldScanner {

    private final String[] parents;
    private final String[] names;

    /** A scanner for {@code fields}, each {@code "name"} or {@code "parent.name"}. */
    public JsonFieldScanner(String... fields) {
        parents = new String[fields.length];
        names = new String[fields.length];
        for (int i = 0; i < fields.length; i++) {
            int dot = fields[i].indexOf('.');
            parents[i] = dot < 0 ? null : fields[i].substring(0, dot);
            names[i] = dot < 0 ? fields[i] : fields[i].substring(dot + 1);
        }
    }

    /** The number of fields; {@link #scan} fills an array of this length. */
    public int fields() {
        return names.length;
    }

    /**
     * Scans {@code json} and stores each wanted field's value in {@code values} (in the order the fields were
     * given; {@code null} when absent). False when the input is not of the plain shape described above; the
     * contents of {@code values} are then unspecified.
     */
    public boolean scan(String json, String[] values) {
        java.util.Arrays.fill(values, null);
        try {
            int end = object(json, skipSpace(json, 0), -1, -1, 0, values);
            return end >= 0 && skipSpace(json, end) == json.length();
        } catch (StringIndexOutOfBoundsException truncated) {
            return false;
        }
    }

    /**
     * An object starting at {@code at}; its key is {@code [parentStart, parentEnd)} of {@code json} when nested.
     * Returns the index after its closing brace, or -1 when the shape is not accepted.
     */
    private int object(String json, int at, int parentStart, int parentEnd, int depth, String[] values) {
        if (json.charAt(at) != '{') {
            return -1;
        }
        int i = skipSpace(json, at + 1);
        if (json.charAt(i) == '}') {
            return i + 1;
        }
        while (true) {
            if (json.charAt(i) != '"') {
                return -1;
            }
            int keyStart = i + 1;
            int keyEnd = stringEnd(json, keyStart);
            if (keyEnd < 0) {
                return -1;
            }
            i = skipSpace(json, keyEnd + 1);
            if (json.charAt(i) != ':') {
                return -1;
            }
            i = skipSpace(json, i + 1);
            i = value(json, i, keyStart, keyEnd, parentStart, parentEnd, depth, values);
            if (i < 0) {
                return -1;
            }
            i = skipSpace(json, i);
            char next = json.charAt(i);
            if (next == '}') {
                return i + 1;
            }
            if (next != ',') {
                return -1;
            }
            i = skipSpace(json, i + 1);
        }
    }

    private int value(String json, int at, int keyStart, int keyEnd, int parentStart, int parentEnd, int depth,
                      String[] values) {
        char c = json.charAt(at);
        int wanted = wanted(json, keyStart, keyEnd, parentStart, parentEnd);
        if (c == '"') {
            int end = stringEnd(json, at + 1);
            if (end < 0) {
                return -1;
            }
            if (wanted >= 0) {
                if (values[wanted] != null) {
                    return -1;
                }
                values[wanted] = json.substring(at + 1, end);
            }
            return end + 1;
        }
        if (wanted >= 0) {
            return -1;
        }
        if (c == '{') {
            return depth == 0 ? object(json, at, keyStart, keyEnd, 1, values) : -1;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return number(json, at);
        }
        if (json.startsWith("true", at)) {
            return at + 4;
        }
        if (json.startsWith("false", at)) {
            return at + 5;
        }
        if (json.startsWith("null", at)) {
            return at + 4;
        }
        return -1;
    }

    /** The index of the wanted field named by this key under this parent, or -1. */
    private int wanted(String json, int keyStart, int keyEnd, int parentStart, int parentEnd) {
        int keyLength = keyEnd - keyStart;
        for (int f = 0; f < names.length; f++) {
            String parent = parents[f];
            if (names[f].length() != keyLength || !json.startsWith(names[f], keyStart)) {
                continue;
            }
            if (parent == null ? parentStart < 0
                    : parentStart >= 0 && parent.length() == parentEnd - parentStart
                    && json.startsWith(parent, parentStart)) {
                return f;
            }
        }
        return -1;
    }

    /** The index of the closing quote of a string whose content starts at {@code at}; -1 on an escape. */
    private static int stringEnd(String json, int at) {
        for (int i = at; ; i++) {
            char c = json.charAt(i);
            if (c == '"') {
                return i;
            }
            if (c == '\\' || c < 0x20) {
                return -1;
            }
        }
    }

    /** A JSON number: {@code -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?}. */
    private static int number(String json, int at) {
        int i = at;
        if (json.charAt(i) == '-') {
            i++;
        }
        if (json.charAt(i) == '0') {
            i++;
        } else {
            int digits = digits(json, i);
            if (digits == i) {
                return -1;
            }
            i = digits;
        }
        if (i < json.length() && json.charAt(i) == '.') {
            int digits = digits(json, i + 1);
            if (digits == i + 1) {
                return -1;
            }
            i = digits;
        }
        if (i < json.length() && (json.charAt(i) == 'e' || json.charAt(i) == 'E')) {
            i++;
            if (json.charAt(i) == '+' || json.charAt(i) == '-') {
                i++;
            }
            int digits = digits(json, i);
            if (digits == i) {
                return -1;
            }
            i = digits;
        }
        return i;
    }

    private static int digits(String json, int at) {
        int i = at;
        while (i < json.length() && json.charAt(i) >= '0' && json.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    private static int skipSpace(String json, int at) {
        int i = at;
        while (i < json.length()) {
            char c = json.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                break;
            }
            i++;
        }
        return i;
    }

    /**
     * True when {@code value} can be written between JSON quotes as it is, byte for byte: printable ASCII without a
     * quote or backslash (base64 audio and the ids Twilio and the model use always are). Anything else takes the
     * encoders' JSON writer.
     */
    public static boolean plain(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }

    /** True when {@code value} is non-empty and uses only the base64 alphabet and padding. */
    public static boolean base64(String value) {
        if (value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '+' || c == '/' || c == '=';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
