package dev.voiceagent.localstack;

import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * {@code bin/local-stack}: runs the suite in the foreground until Ctrl-C or SIGTERM. {@code --processes} (or
 * {@code VOICE_PROCESSES=1}) runs each service in a JVM of its own.
 */
public final class LocalStackMain {

    private LocalStackMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        LocalStackOptions options = LocalStackOptions.fromEnvironment(System.getenv(), true);
        for (String arg : args) {
            if (arg.equals("--processes")) {
                options = options.withSeparateProcesses(true);
            } else {
                System.err.println("unknown argument " + arg + " (known: --processes)");
                System.exit(2);
            }
        }
        LocalStack stack = LocalStack.start(options);
        CountDownLatch stop = new CountDownLatch(1);
        // Signals are handled here rather than in a shutdown hook: JVM hooks run concurrently, and the embedded
        // broker's own hook deletes its log directory while the services would still be draining.
        Signal.handle(new Signal("INT"), signal -> stop.countDown());
        Signal.handle(new Signal("TERM"), signal -> stop.countDown());
        System.out.println(Banner.describe(stack));
        stop.await();
        System.out.println("\nstopping the local stack...");
        stack.close();
        System.out.println("stopped.");
        System.exit(0);
    }
}
