package dev.closewait.agent;

import dev.closewait.agent.boot.EventBridge;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The agent's scanner thread ({@code closewait-scanner}, a daemon): runs a scan every interval
 * until stopped; {@link #wake()} makes it scan now (new options). Its sockets are never tracked.
 *
 * <p>Waking is a flag and an unpark, never {@link Thread#interrupt()}: a scan writes the log and the
 * report through file channels, and an interrupt pending while it does closes the channel (the log
 * file would take nothing more for the rest of the run). An interrupt from anyone else is cleared
 * before each scan for the same reason.
 */
final class ScanLoop {

    private final Runnable scan;
    private final LongSupplier intervalMillis;
    private final Runnable firstThing;
    private final Consumer<Throwable> onFault;
    private final Runnable lastThing;
    private volatile Thread thread;
    /** A wake since the last scan began: the next wait ends at once. */
    private volatile boolean woken;

    /**
     * @param firstThing run once on the thread before the first scan (off the application's start-up path)
     * @param onFault    what a throwable out of a scan does (turns the agent off)
     * @param lastThing  run once on the thread as it ends, however it ends
     */
    ScanLoop(Runnable scan, LongSupplier intervalMillis, Runnable firstThing, Consumer<Throwable> onFault,
             Runnable lastThing) {
        this.scan = scan;
        this.intervalMillis = intervalMillis;
        this.firstThing = firstThing;
        this.onFault = onFault;
        this.lastThing = lastThing;
    }

    void start() {
        Thread started = new Thread(this::run, "closewait-scanner");
        started.setDaemon(true);
        thread = started;
        started.start();
    }

    /** Scans now rather than at the end of the interval. */
    void wake() {
        woken = true;
        unpark(thread);
    }

    /** Ends the loop; a scan in progress finishes. */
    void stop() {
        Thread current = thread;
        thread = null;
        unpark(current);
    }

    private static void unpark(Thread current) {
        if (current != null) {
            LockSupport.unpark(current);
        }
    }

    private void run() {
        EventBridge.markAgentThread();
        try {
            firstThing.run();
            Thread self = Thread.currentThread();
            while (thread == self) {
                woken = false;
                Thread.interrupted();
                scan.run();
                awaitNextScan(self);
            }
        } catch (Throwable fault) {
            onFault.accept(fault);
        } finally {
            try {
                lastThing.run();
            } catch (Throwable ignored) {
                // The thread ends either way; nothing of it may reach the application.
            }
        }
    }

    /** Until the interval is over, a wake, or stop; an interrupt (pending, it would end every park at once) is cleared. */
    private void awaitNextScan(Thread self) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(intervalMillis.getAsLong());
        long left = deadline - System.nanoTime();
        while (!woken && thread == self && left > 0) {
            LockSupport.parkNanos(this, left);
            Thread.interrupted();
            left = deadline - System.nanoTime();
        }
    }
}
