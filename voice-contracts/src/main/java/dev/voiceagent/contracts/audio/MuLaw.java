package dev.voiceagent.contracts.audio;

/** G.711 μ-law codec (8 kHz telephone audio, the format Twilio and {@code audio/pcmu} use). */
public final class MuLaw {

    /** The μ-law byte of digital silence (sample 0). */
    public static final byte SILENCE = (byte) 0xFF;

    private static final int BIAS = 0x84;
    private static final int CLIP = 32635;
    private static final short[] DECODE_TABLE = new short[256];

    static {
        for (int i = 0; i < 256; i++) {
            DECODE_TABLE[i] = decodeSlow((byte) i);
        }
    }

    private MuLaw() {
    }

    /** Encodes one signed 16-bit linear sample. */
    public static byte encode(int sample) {
        int sign = (sample >> 8) & 0x80;
        int magnitude = sign != 0 ? -sample : sample;
        magnitude = Math.min(magnitude, CLIP) + BIAS;
        int exponent = 7;
        for (int mask = 0x4000; (magnitude & mask) == 0 && exponent > 0; mask >>= 1) {
            exponent--;
        }
        int mantissa = (magnitude >> (exponent + 3)) & 0x0F;
        return (byte) ~(sign | (exponent << 4) | mantissa);
    }

    /** Decodes one μ-law byte to a signed 16-bit linear sample. */
    public static short decode(byte mulaw) {
        return DECODE_TABLE[mulaw & 0xFF];
    }

    /** Encodes linear samples. */
    public static byte[] encode(short[] samples) {
        byte[] out = new byte[samples.length];
        for (int i = 0; i < samples.length; i++) {
            out[i] = encode(samples[i]);
        }
        return out;
    }

    /** Decodes μ-law bytes. */
    public static short[] decode(byte[] mulaw) {
        short[] out = new short[mulaw.length];
        for (int i = 0; i < mulaw.length; i++) {
            out[i] = decode(mulaw[i]);
        }
        return out;
    }

    private static short decodeSlow(byte mulaw) {
        int u = ~mulaw & 0xFF;
        int sign = u & 0x80;
        int exponent = (u >> 4) & 0x07;
        int mantissa = u & 0x0F;
        int magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
        return (short) (sign != 0 ? -magnitude : magnitude);
    }
}
