package dev.voiceagent.testkit.diagnostics;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Keeps the evidence when a test fails because an answer never came: a blocking wait that timed out (a
 * {@code WebTestClient} exchange, a {@code Mono.block} with a deadline). The failure's captured output does not
 * survive a rerun (the rerun replaces it), so every thread's stack, with the locks it holds and waits on, goes to
 * {@code target/response-timeout-<test>-<time>.txt} before the failure is passed on unchanged. Found by JUnit's
 * extension auto-detection wherever the testkit is on the test class path.
 */
public class ResponseTimeoutDiagnostics implements TestExecutionExceptionHandler {

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        if (timedOut(failure)) {
            Path file = Path.of("target", "response-timeout-" + context.getRequiredTestClass().getSimpleName() + "-"
                    + context.getRequiredTestMethod().getName() + "-" + System.currentTimeMillis() + ".txt");
            try {
                Files.createDirectories(file.getParent());
                Files.writeString(file, failure + "\n\n" + threadDump());
                System.out.println("a wait timed out; thread dump in " + file.toAbsolutePath());
            } catch (IOException e) {
                System.out.println("a wait timed out; no thread dump: " + e);
            }
        }
        throw failure;
    }

    /** A {@link TimeoutException} anywhere in the failure's causes (Reactor's blocking read wraps one). */
    static boolean timedOut(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof TimeoutException) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }

    static String threadDump() {
        StringBuilder dump = new StringBuilder();
        for (ThreadInfo thread : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            dump.append('"').append(thread.getThreadName()).append("\" ").append(thread.getThreadState());
            if (thread.getLockName() != null) {
                dump.append(" on ").append(thread.getLockName());
            }
            if (thread.getLockOwnerName() != null) {
                dump.append(" owned by \"").append(thread.getLockOwnerName()).append('"');
            }
            dump.append('\n');
            for (StackTraceElement frame : thread.getStackTrace()) {
                dump.append("    at ").append(frame).append('\n');
            }
            dump.append('\n');
        }
        return dump.toString();
    }
}
