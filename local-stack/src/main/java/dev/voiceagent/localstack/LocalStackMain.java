package dev.voiceagent.localstack;

import java.util.concurrent.CountDownLatch;

/** {@code bin/local-stack}: runs the suite in the foreground until Ctrl-C or SIGTERM. */
public final class LocalStackMain {

    private LocalStackMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        LocalStack stack = LocalStack.start(LocalStackOptions.fromEnvironment(System.getenv(), true));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nstopping the local stack...");
            stack.close();
            stopped.countDown();
        }, "local-stack-shutdown"));
        System.out.println(Banner.describe(stack));
        stopped.await();
    }
}
