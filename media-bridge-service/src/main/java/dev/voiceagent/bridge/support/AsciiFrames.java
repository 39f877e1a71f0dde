package dev.voiceagent.bridge.support;

/**
 * Frames of the media path written straight as bytes. Each audio frame the bridge sends is a fixed JSON template
 * around plain ASCII values (base64 audio, stream and mark names); joining the parts into one exact array takes one
 * allocation, where a {@code StringBuilder}, its {@code toString} and the UTF-8 encoding of the result take three
 * copies of the frame — at 50 frames a second each way per call, most of what the bridge allocated.
 */
public final class AsciiFrames {

    private AsciiFrames() {
    }

    /**
     * The parts joined as bytes. Every part must be ASCII (the callers check their values with
     * {@link JsonFieldScanner#plain} or {@link JsonFieldScanner#base64}; the templates are constants), for which this
     * is their UTF-8 encoding.
     */
    // String.getBytes(int, int, byte[], int) copies each char's low byte: deprecated as a charset encoding, exact for
    // ASCII, and a single array copy for the JDK's compact strings
    @SuppressWarnings("deprecation")
    public static byte[] join(String... parts) {
        int length = 0;
        for (String part : parts) {
            length += part.length();
        }
        byte[] frame = new byte[length];
        int offset = 0;
        for (String part : parts) {
            part.getBytes(0, part.length(), frame, offset);
            offset += part.length();
        }
        return frame;
    }
}
