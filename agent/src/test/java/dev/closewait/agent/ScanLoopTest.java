package dev.closewait.agent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The scan loop: a wake or a stop never leaves a scan interrupted (its file channels would close),
 * an interrupt from elsewhere is cleared without spinning, and a wake scans at once.
 */
class ScanLoopTest {

    private static final long HOUR = TimeUnit.HOURS.toMillis(1);

    /** What each scan saw: whether its thread was interrupted when it began, and when it ended. */
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger scans = new AtomicInteger();
    private final CountDownLatch firstScanRunning = new CountDownLatch(1);
    private final CountDownLatch secondScanDone = new CountDownLatch(1);
    private volatile boolean releaseFirstScan;
    private volatile Thread scanner;
    private ScanLoop loop;

    @AfterEach
    void stopLoop() throws InterruptedException {
        releaseFirstScan = true;
        if (loop != null) {
            loop.stop();
        }
        if (scanner != null) {
            scanner.join(10_000);
        }
    }

    /** A scan that holds the first one until released, spinning (not waiting, which an interrupt would end). */
    private void scan() {
        int n = scans.incrementAndGet();
        scanner = Thread.currentThread();
        String start = "scan " + n + " began " + (Thread.currentThread().isInterrupted() ? "interrupted" : "clear");
        if (n == 1) {
            firstScanRunning.countDown();
            while (!releaseFirstScan) {
                Thread.onSpinWait();
            }
        }
        seen.add(start + ", ended " + (Thread.currentThread().isInterrupted() ? "interrupted" : "clear"));
        if (n == 2) {
            secondScanDone.countDown();
        }
    }

    private void startLoop() throws InterruptedException {
        loop = new ScanLoop(this::scan, () -> HOUR, () -> { }, fault -> seen.add("fault " + fault),
                () -> seen.add("last thing on " + (Thread.currentThread() == scanner ? "the loop's thread" : "another")));
        loop.start();
        assertTrue(firstScanRunning.await(10, TimeUnit.SECONDS), "the first scan ran");
    }

    @Test
    void aWakeDuringAScanScansAgainAtOnceAndInterruptsNeither() throws InterruptedException {
        startLoop();
        loop.wake();
        releaseFirstScan = true;
        assertTrue(secondScanDone.await(10, TimeUnit.SECONDS), "the wake made a second scan, not the hour's interval");
        assertEquals(List.of("scan 1 began clear, ended clear", "scan 2 began clear, ended clear"), seen);
    }

    @Test
    void aWakeWhileWaitingScansAtOnce() throws InterruptedException {
        startLoop();
        releaseFirstScan = true;
        awaitParked();
        loop.wake();
        assertTrue(secondScanDone.await(10, TimeUnit.SECONDS), "the wake made a second scan");
        assertEquals(List.of("scan 1 began clear, ended clear", "scan 2 began clear, ended clear"), seen);
    }

    @Test
    void anInterruptFromElsewhereIsClearedWithoutSpinningAndIsNotAScan() throws InterruptedException {
        startLoop();
        releaseFirstScan = true;
        awaitParked();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadCpuTimeSupported(), "this JVM cannot measure a thread's CPU time");
        long cpuBefore = threads.getThreadCpuTime(scanner.getId());
        scanner.interrupt();
        Thread.sleep(300);
        long cpuMillis = TimeUnit.NANOSECONDS.toMillis(threads.getThreadCpuTime(scanner.getId()) - cpuBefore);
        assertTrue(cpuMillis < 100, "the loop spun on a pending interrupt: " + cpuMillis + " ms of CPU in 300 ms");
        assertEquals(1, scans.get(), "an interrupt is not a wake");
        assertFalse(scanner.isInterrupted(), "the interrupt was cleared");
        loop.wake();
        assertTrue(secondScanDone.await(10, TimeUnit.SECONDS), "a wake still works");
        assertEquals(List.of("scan 1 began clear, ended clear", "scan 2 began clear, ended clear"), seen);
    }

    @Test
    void aStopLetsTheScanInProgressEndUninterruptedAndEndsTheLoop() throws InterruptedException {
        startLoop();
        loop.stop();
        releaseFirstScan = true;
        scanner.join(10_000);
        assertFalse(scanner.isAlive(), "the loop ended");
        assertEquals(List.of("scan 1 began clear, ended clear", "last thing on the loop's thread"), seen);
    }

    @Test
    void aFaultOutOfAScanIsHandedOnAndTheLastThingStillRuns() throws InterruptedException {
        CountDownLatch ended = new CountDownLatch(1);
        loop = new ScanLoop(() -> {
            scanner = Thread.currentThread();
            throw new IllegalStateException("a scan's fault");
        }, () -> HOUR, () -> { }, fault -> seen.add("fault " + fault.getMessage()), () -> {
            seen.add("last thing on " + (Thread.currentThread() == scanner ? "the loop's thread" : "another"));
            ended.countDown();
        });
        loop.start();
        assertTrue(ended.await(10, TimeUnit.SECONDS), "the loop ended after the fault");
        assertEquals(List.of("fault a scan's fault", "last thing on the loop's thread"), seen);
    }

    private void awaitParked() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (scanner.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(Thread.State.TIMED_WAITING, scanner.getState(), "the loop waits for its interval");
    }
}
