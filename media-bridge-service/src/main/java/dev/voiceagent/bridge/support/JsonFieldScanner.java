package dev.voiceagent.bridge.support;

import java.nio.charset.StandardCharsets;

/**
 * Reads chosen string fields out of a small JSON object without building a tree: the fast path of the media
 * codecs, which see fifty audio frames a second per call. It reads the frame's bytes as they came off the socket
 * (no string of the whole frame), and accepts only the plain shape those frames have: an object of strings,
 * numbers and literals, with objects nested one level, all of it ASCII. It answers {@code false} for anything else
 * (escapes, bytes past ASCII inside a string, arrays, deeper nesting, a wanted field twice, a wanted field that is
 * not a string, malformed JSON), so that the caller falls back to the full codec, which decodes or rejects the frame
 * as it always did.
 * <p>
 * Wanted fields are named {@code "name"} at the top level or {@code "parent.name"} one level down; values are
 * copies of their bytes (never unescaped: an escape makes the scan fail). One scanner serves one field list and
 * is immutable, so it can be shared between threads.
 */
public final class JsonFieldScanner {

    /** Read past the input's end: no byte of the accepted grammar, so every rule refuses it. */
    private static final int END = -1;

    private final byte[][] parents;
    private final byte[][] names;

    /** A scanner for {@code fields}, each {@code "name"} or {@code "parent.name"}. */
    public JsonFieldScanner(String... fields) {
        parents = new byte[fields.length][];
        names = new byte[fields.length][];
        for (int i = 0; i < fields.length; i++) {
            int dot = fields[i].indexOf('.');
            parents[i] = dot < 0 ? null : fields[i].substring(0, dot).getBytes(StandardCharsets.US_ASCII);
            names[i] = (dot < 0 ? fields[i] : fields[i].substring(dot + 1)).getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** The number of fields; {@link #scan} fills an array of this length. */
    public int fields() {
        return names.length;
    }

    /**
     * Scans the first {@code length} bytes of {@code json} (UTF-8) and stores each wanted field's value in
     * {@code values} (in the order the fields were given; {@code null} when absent). False when the input is not of
     * the plain shape described above; the contents of {@code values} are then unspecified. Nothing refers to
     * {@code json} once this returns, so it may be a reused buffer.
     */
    public boolean scan(byte[] json, int length, String[] values) {
        java.util.Arrays.fill(values, null);
        Input in = new Input(json, length);
        int end = object(in, in.skipSpace(0), -1, -1, 0, values);
        return end >= 0 && in.skipSpace(end) == length;
    }

    /** The bytes of a frame and how many of them are its own. */
    private record Input(byte[] json, int length) {

        /** The byte at {@code i} (0 to 127), {@link #END} past the end, or below {@code 0x20} past ASCII. */
        int at(int i) {
            return i < length ? json[i] : END;
        }

        boolean startsWith(byte[] literal, int at) {
            if (at + literal.length > length) {
                return false;
            }
            for (int i = 0; i < literal.length; i++) {
                if (json[at + i] != literal[i]) {
                    return false;
                }
            }
            return true;
        }

        int skipSpace(int at) {
            int i = at;
            while (i < length) {
                byte c = json[i];
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    break;
                }
                i++;
            }
            return i;
        }

        // the accepted strings are ASCII, whose Latin-1 decoding is a plain copy into a compact string
        String string(int start, int end) {
            return new String(json, start, end - start, StandardCharsets.ISO_8859_1);
        }
    }

    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};

    /**
     * An object starting at {@code at}; its key is {@code [parentStart, parentEnd)} of the input when nested.
     * Returns the index after its closing brace, or -1 when the shape is not accepted.
     */
    private int object(Input in, int at, int parentStart, int parentEnd, int depth, String[] values) {
        if (in.at(at) != '{') {
            return -1;
        }
        int i = in.skipSpace(at + 1);
        if (in.at(i) == '}') {
            return i + 1;
        }
        while (true) {
            if (in.at(i) != '"') {
                return -1;
            }
            int keyStart = i + 1;
            int keyEnd = stringEnd(in, keyStart);
            if (keyEnd < 0) {
                return -1;
            }
            i = in.skipSpace(keyEnd + 1);
            if (in.at(i) != ':') {
                return -1;
            }
            i = in.skipSpace(i + 1);
            i = value(in, i, keyStart, keyEnd, parentStart, parentEnd, depth, values);
            if (i < 0) {
                return -1;
            }
            i = in.skipSpace(i);
            int next = in.at(i);
            if (next == '}') {
                return i + 1;
            }
            if (next != ',') {
                return -1;
            }
            i = in.skipSpace(i + 1);
        }
    }

    private int value(Input in, int at, int keyStart, int keyEnd, int parentStart, int parentEnd, int depth,
                      String[] values) {
        int c = in.at(at);
        int wanted = wanted(in, keyStart, keyEnd, parentStart, parentEnd);
        if (c == '"') {
            int end = stringEnd(in, at + 1);
            if (end < 0) {
                return -1;
            }
            if (wanted >= 0) {
                if (values[wanted] != null) {
                    return -1;
                }
                values[wanted] = in.string(at + 1, end);
            }
            return end + 1;
        }
        if (wanted >= 0) {
            return -1;
        }
        if (c == '{') {
            return depth == 0 ? object(in, at, keyStart, keyEnd, 1, values) : -1;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return number(in, at);
        }
        if (in.startsWith(TRUE, at)) {
            return at + TRUE.length;
        }
        if (in.startsWith(FALSE, at)) {
            return at + FALSE.length;
        }
        if (in.startsWith(NULL, at)) {
            return at + NULL.length;
        }
        return -1;
    }

    /** The index of the wanted field named by this key under this parent, or -1. */
    private int wanted(Input in, int keyStart, int keyEnd, int parentStart, int parentEnd) {
        int keyLength = keyEnd - keyStart;
        for (int f = 0; f < names.length; f++) {
            byte[] parent = parents[f];
            if (names[f].length != keyLength || !in.startsWith(names[f], keyStart)) {
                continue;
            }
            if (parent == null ? parentStart < 0
                    : parentStart >= 0 && parent.length == parentEnd - parentStart
                    && in.startsWith(parent, parentStart)) {
                return f;
            }
        }
        return -1;
    }

    /**
     * The index of the closing quote of a string whose content starts at {@code at}; -1 on an escape, a control
     * character, a byte past ASCII (negative as a Java byte) or the input's end.
     */
    private static int stringEnd(Input in, int at) {
        for (int i = at; ; i++) {
            int c = in.at(i);
            if (c == '"') {
                return i;
            }
            if (c == '\\' || c < 0x20) {
                return -1;
            }
        }
    }

    /** A JSON number: {@code -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?}. */
    private static int number(Input in, int at) {
        int i = at;
        if (in.at(i) == '-') {
            i++;
        }
        if (in.at(i) == '0') {
            i++;
        } else {
            int digits = digits(in, i);
            if (digits == i) {
                return -1;
            }
            i = digits;
        }
        if (in.at(i) == '.') {
            int digits = digits(in, i + 1);
            if (digits == i + 1) {
                return -1;
            }
            i = digits;
        }
        if (in.at(i) == 'e' || in.at(i) == 'E') {
            i++;
            if (in.at(i) == '+' || in.at(i) == '-') {
                i++;
            }
            int digits = digits(in, i);
            if (digits == i) {
                return -1;
            }
            i = digits;
        }
        return i;
    }

    private static int digits(Input in, int at) {
        int i = at;
        while (in.at(i) >= '0' && in.at(i) <= '9') {
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
