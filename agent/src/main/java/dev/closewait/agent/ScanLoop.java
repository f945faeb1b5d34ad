package dev.closewait.agent;

import dev.closewait.agent.boot.EventBridge;

import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The agent's scanner thread ({@code closewait-scanner}, a daemon): runs a scan every interval
 * until stopped; {@link #wake()} makes it scan now (new options). Its sockets are never tracked.
 */
final class ScanLoop {

    private final Runnable scan;
    private final LongSupplier intervalMillis;
    private final Runnable firstThing;
    private final Consumer<Throwable> onFault;
    private volatile Thread thread;

    /**
     * @param firstThing run once on the thread before the first scan (off the application's start-up path)
     * @param onFault    what a throwable out of a scan does (turns the agent off)
     */
    ScanLoop(Runnable scan, LongSupplier intervalMillis, Runnable firstThing, Consumer<Throwable> onFault) {
        this.scan = scan;
        this.intervalMillis = intervalMillis;
        this.firstThing = firstThing;
        this.onFault = onFault;
    }

    void start() {
        Thread started = new Thread(this::run, "closewait-scanner");
        started.setDaemon(true);
        thread = started;
        started.start();
    }

    /** Scans now rather than at the end of the interval. */
    void wake() {
        Thread current = thread;
        if (current != null) {
            current.interrupt();
        }
    }

    /** Ends the loop; a scan in progress finishes. */
    void stop() {
        Thread current = thread;
        thread = null;
        if (current != null) {
            current.interrupt();
        }
    }

    private void run() {
        EventBridge.markAgentThread();
        try {
            firstThing.run();
            while (thread == Thread.currentThread()) {
                scan.run();
                try {
                    Thread.sleep(intervalMillis.getAsLong());
                } catch (InterruptedException woken) {
                    // new options, or stop: the loop's condition tells
                }
            }
        } catch (Throwable fault) {
            onFault.accept(fault);
        }
    }
}
