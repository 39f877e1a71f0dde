package dev.voiceagent.bridge.session;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The clip the bridge plays by itself when the model is gone or the agent was stopped: raw 8 kHz μ-law from the
 * classpath, split once into Twilio's 20 ms frames (base64). The bundled {@code audio/fallback-speech.ulaw} says
 * "Sorry, I'm having trouble right now. Let me get someone to help you. Please stay on the line." (synthesised
 * with eSpeak NG by {@code docs/tools/fallback-clip.sh}); tenants may have their own.
 */
public record FallbackPrompt(List<String> frames) {

    private static final int FRAME_BYTES = 160;

    public FallbackPrompt {
        frames = List.copyOf(frames);
    }

    /** Loads a classpath resource; a missing resource gives an empty prompt (nothing is played). */
    public static FallbackPrompt load(String resource) {
        if (resource == null || resource.isBlank()) {
            return new FallbackPrompt(List.of());
        }
        try (InputStream in = FallbackPrompt.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? new FallbackPrompt(List.of()) : of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read fallback prompt " + resource, e);
        }
    }

    static FallbackPrompt of(byte[] mulaw) {
        List<String> frames = new ArrayList<>(mulaw.length / FRAME_BYTES + 1);
        for (int offset = 0; offset < mulaw.length; offset += FRAME_BYTES) {
            byte[] frame = Arrays.copyOfRange(mulaw, offset, Math.min(mulaw.length, offset + FRAME_BYTES));
            frames.add(Base64.getEncoder().encodeToString(frame));
        }
        return new FallbackPrompt(frames);
    }

    public long durationMs() {
        return frames.size() * 20L;
    }
}
