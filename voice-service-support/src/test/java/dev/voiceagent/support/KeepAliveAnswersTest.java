package dev.voiceagent.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Every request on a kept-alive connection is answered, also when the one before it arrived while an earlier answer
 * was still finishing and was answered at once (as a validation error is). The services' intermittent "the answer
 * never comes" failures (a 400 after a 404 or 400 on the same client connection, all event loops idle) were this:
 * Reactor Netty up to 1.3.7 buffered such a request, answered it, and then stopped reading the connection
 * (reactor-netty #4361, fixed in 1.3.8), so the next request waited forever.
 */
class KeepAliveAnswersTest {

    private static final DisposableServer SERVER = HttpServer.create().port(0)
            .handle((request, response) -> response.sendString(request.uri().equals("/slow")
                    // still finishing when the next request arrives: that one is buffered behind it
                    ? Mono.delay(Duration.ofMillis(50)).thenReturn("slow")
                    // answered at once, in the same pass that takes it off the buffer
                    : Mono.just("fast")))
            .bindNow();

    @AfterAll
    static void stop() {
        SERVER.disposeNow();
    }

    @Test
    void answersTheRequestAfterOneAnsweredAtOnceBehindAnother() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (Socket socket = new Socket("localhost", SERVER.port())) {
                socket.setSoTimeout(3000);
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                out.write((request("/slow") + request("/fast")).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(readAnswers(in, 2)).as("attempt %d: the first two answers", attempt)
                        .contains("slow").contains("fast");
                out.write(request("/fast").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(readAnswers(in, 1)).as("attempt %d: the answer to the request after them", attempt)
                        .contains("fast");
            }
        }
    }

    private static String request(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    /** Reads until {@code count} complete answers (each with a 4-byte body) have arrived, or fails on the timeout. */
    private static String readAnswers(InputStream in, int count) throws IOException {
        StringBuilder text = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (complete(text) < count) {
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no answer within 3 s; received so far: " + text, e);
            }
            if (n < 0) {
                throw new AssertionError("connection closed; received so far: " + text);
            }
            text.append(new String(buffer, 0, n, StandardCharsets.US_ASCII));
        }
        return text.toString();
    }

    private static int complete(CharSequence text) {
        String s = text.toString();
        int answers = 0;
        int from = 0;
        while (true) {
            int headersEnd = s.indexOf("\r\n\r\n", from);
            if (headersEnd < 0 || s.length() < headersEnd + 4 + 4) {
                return answers;
            }
            answers++;
            from = headersEnd + 8;
        }
    }
}
