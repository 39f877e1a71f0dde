package dev.voiceagent.support;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One thread of its own that runs what it is handed, in order, for a {@link HandOff}'s consumer. Handing it a task
 * never waits for it: the task goes into a lock-free queue and the thread is unparked. A JDK executor's work queue
 * takes a lock the worker also takes (a {@code LinkedBlockingQueue}'s signal, a {@code ScheduledThreadPoolExecutor}'s
 * heap), so an event loop handing over work while the worker came back for more parked on that lock.
 */
final class ConsumerThread implements Executor, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConsumerThread.class);

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    /**
     * Starts the thread, a daemon. {@code nonBlocking} marks it as Reactor's non-blocking threads are marked, so that
     * BlockHound checks what runs on it; leave it false when the consumer may block by design (a broker send that
     * waits for metadata).
     */
    ConsumerThread(String name, boolean nonBlocking) {
        Runnable loop = this::run;
        thread = nonBlocking ? new NonBlockingThread(loop, name) : new Thread(loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** A scheduler on this thread whose workers queue without locks too (Reactor's trampolining worker). */
    Scheduler scheduler() {
        return Schedulers.fromExecutor(this, true);
    }

    @Override
    public void execute(Runnable task) {
        if (closed) {
            throw new RejectedExecutionException(thread.getName() + " is closed");
        }
        tasks.offer(task);
        LockSupport.unpark(thread);
    }

    /** The thread ends after the task it is running; tasks still queued are dropped. */
    @Override
    public void close() {
        closed = true;
        tasks.clear();
        LockSupport.unpark(thread);
    }

    private void run() {
        while (!closed) {
            Runnable task = tasks.poll();
            if (task == null) {
                awaitWork();
                continue;
            }
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                log.warn("{}: a task failed: {}", thread.getName(), e.toString());
            }
        }
    }

    /**
     * Parks until a task is handed over (or spuriously, or on an interrupt: the loop looks again). An unpark that comes
     * between the empty poll and the park leaves a permit, so the park returns at once and nothing is missed.
     */
    private void awaitWork() {
        LockSupport.park(this);
        // a park returns at once while the thread is interrupted: clear it, or the wait would become a spin (the
        // thread stops on close, not on interrupts)
        Thread.interrupted();
    }

    /** Marked non-blocking for BlockHound, as Reactor's own single and parallel threads are. */
    private static final class NonBlockingThread extends Thread implements NonBlocking {

        NonBlockingThread(Runnable task, String name) {
            super(task, name);
        }
    }
}
