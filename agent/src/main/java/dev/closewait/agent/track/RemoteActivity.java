package dev.closewait.agent.track;

import dev.closewait.agent.tcp.Endpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What this JVM did towards one peer (a remote endpoint it connects to, or a client host it accepts from): how many connections it opened, which local
 * ports it used lately (so the kernel's rows without an owner, TIME_WAIT and an orphaned
 * FIN_WAIT_2, can be told to be this JVM's), a sample of the stacks that open them, and the last
 * sockets it closed there with the stacks that opened and closed them. Cheap on the connect path:
 * an adder, a bit, and one stack kept out of {@link #SAMPLE_EVERY}.
 */
public final class RemoteActivity {

    /** One open out of this many keeps its creation stack in the sample. */
    static final int SAMPLE_EVERY = 8;
    private static final int SAMPLES = 16;
    private static final int CLOSES = 16;
    /** How long a port generation lasts: TIME_WAIT and an orphaned FIN_WAIT_2 last 60 s on Linux. */
    static final long GENERATION_MILLIS = 90_000;

    private final Endpoint remote;
    private final boolean accepted;
    private final long since;
    private volatile long lastOpenedAt;
    private final LongAdder opens = new LongAdder();
    /** Local ports used this generation and the one before: a bit each. */
    private final AtomicLongArray[] ports = {new AtomicLongArray(1024), new AtomicLongArray(1024)};
    private volatile int generation;
    private volatile long generationStart;
    /** Creation stacks: a {@code Throwable} until the scanner's next pass renders it ({@link #internStacks}). */
    private final AtomicReferenceArray<Object> samples = new AtomicReferenceArray<>(SAMPLES);
    private final AtomicReferenceArray<Closed> closes = new AtomicReferenceArray<>(CLOSES);
    private final AtomicInteger sampleIndex = new AtomicInteger();
    private final AtomicInteger closeIndex = new AtomicInteger();
    /** Whether a peer here was seen not to finish closing: from then on, closes here keep their stack. */
    private volatile boolean suspect;

    /** A socket this JVM closed here: its local port, when, and the stacks of its open and close. */
    public static final class Closed {
        private final int localPort;
        private final long at;
        /** The socket until the scanner's next pass, then the frames that opened it: the socket holds Throwables. */
        private volatile Object opened;
        /** The close's {@code Throwable}, or its frames once the scanner rendered them; {@code null} if not kept. */
        private volatile Object closer;

        Closed(int localPort, long at, TrackedSocket opened, Throwable closer) {
            this.localPort = localPort;
            this.at = at;
            this.opened = opened;
            this.closer = closer;
        }

        public int localPort() {
            return localPort;
        }

        public long at() {
            return at;
        }

        /** The stack that opened it. */
        @SuppressWarnings("unchecked")
        public List<String> openedBy(StackFrames frames) {
            Object by = opened;
            return by instanceof TrackedSocket ? ((TrackedSocket) by).stack(frames) : (List<String>) by;
        }

        /** The stack that closed it, or {@code null} if it was not kept. */
        public List<String> closedBy(StackFrames frames) {
            Object stack = closer;
            return stack == null ? null : RemoteActivity.frames(stack, frames);
        }

        /** Renders its stacks: a {@code Throwable}'s backtrace holds its classes, and their class loaders with them. */
        void internStacks(StackFrames frames) {
            Object by = opened;
            if (by instanceof TrackedSocket) {
                opened = ((TrackedSocket) by).stack(frames); // and lets go of the socket, its requester's and closer's Throwables
            }
            Object stack = closer;
            if (stack instanceof Throwable) {
                closer = frames.render((Throwable) stack);
            }
        }
    }

    RemoteActivity(Endpoint remote, boolean accepted, long now) {
        this.remote = remote;
        this.accepted = accepted;
        this.since = now;
        this.generationStart = now;
        this.lastOpenedAt = now;
    }

    /** The remote endpoint connected to; for {@link #accepted()} ones, the client host (port 0). */
    public Endpoint remote() {
        return remote;
    }

    /** Whether these are connections this JVM accepted (its local port is a listening one, not ephemeral). */
    public boolean accepted() {
        return accepted;
    }

    /** When the first connection here opened: {@link #opens()} counts from then. */
    public long since() {
        return since;
    }

    /** When the last connection here opened. */
    long lastOpenedAt() {
        return lastOpenedAt;
    }

    /** Connections opened so far. */
    public long opens() {
        return opens.sum();
    }

    void opened(int localPort, Throwable creation, long now) {
        opens.increment();
        if (now != lastOpenedAt) {
            lastOpenedAt = now;
        }
        rotate(now);
        if (localPort > 0 && localPort < 65536) {
            AtomicLongArray bits = ports[generation];
            int index = localPort >>> 6;
            long bit = 1L << localPort;
            for (long word = bits.get(index); (word & bit) == 0 && !bits.compareAndSet(index, word, word | bit); ) {
                word = bits.get(index);
            }
        }
        int n = sampleIndex.getAndIncrement();
        if (n % SAMPLE_EVERY == 0 && creation != null) {
            samples.set((n / SAMPLE_EVERY) % SAMPLES, creation);
        }
    }

    /** Whether closes here keep their stack (the agent saw a peer here not finish closing). */
    boolean keepsCloseStacks() {
        return suspect;
    }

    void closed(TrackedSocket socket, Throwable closer, long now) {
        int n = closeIndex.getAndIncrement();
        closes.set(n % CLOSES, new Closed(socket.localPort(), now, socket, closer));
    }

    /** From now on, closes here keep their stack. */
    public void suspect() {
        suspect = true;
    }

    /** Whether this JVM used {@code localPort} towards this remote lately (this generation or the last). */
    public boolean usedPort(int localPort) {
        if (localPort <= 0 || localPort >= 65536) {
            return false;
        }
        long bit = 1L << localPort;
        return (ports[0].get(localPort >>> 6) & bit) != 0 || (ports[1].get(localPort >>> 6) & bit) != 0;
    }

    /** The sample of creation stacks of recent opens. */
    public List<List<String>> sampledStacks(StackFrames frames) {
        List<List<String>> sampled = new ArrayList<>();
        for (int i = 0; i < SAMPLES; i++) {
            Object stack = samples.get(i);
            if (stack != null) {
                sampled.add(frames(stack, frames));
            }
        }
        return sampled;
    }

    /** A stack kept here: its frames already, or a {@code Throwable} rendered now. */
    @SuppressWarnings("unchecked")
    private static List<String> frames(Object stack, StackFrames frames) {
        return stack instanceof List ? (List<String>) stack : frames.render((Throwable) stack);
    }

    /**
     * Renders the stacks kept here that are still {@code Throwable}s (scanner thread): a
     * {@code Throwable}'s backtrace holds the classes on its stack, so a plug-in's or a web
     * application's class loader stayed reachable after it was let go, for as long as its stacks
     * stood among the samples and last closes of a peer.
     */
    void internStacks(StackFrames frames) {
        for (int i = 0; i < SAMPLES; i++) {
            Object stack = samples.get(i);
            if (stack instanceof Throwable) {
                samples.compareAndSet(i, stack, frames.render((Throwable) stack));
            }
        }
        for (int i = 0; i < CLOSES; i++) {
            Closed closed = closes.get(i);
            if (closed != null) {
                closed.internStacks(frames);
            }
        }
    }

    /** The last sockets closed here, newest first. */
    public List<Closed> lastClosed() {
        List<Closed> recent = new ArrayList<>();
        int n = closeIndex.get();
        for (int i = 1; i <= CLOSES && n - i >= 0; i++) {
            Closed closed = closes.get((n - i) % CLOSES);
            if (closed != null) {
                recent.add(closed);
            }
        }
        return recent;
    }

    /** Starts a new generation of ports when the current one is old enough; the oldest is forgotten. */
    private void rotate(long now) {
        if (now - generationStart < GENERATION_MILLIS) {
            return;
        }
        synchronized (this) {
            if (now - generationStart >= GENERATION_MILLIS) {
                int next = 1 - generation;
                AtomicLongArray stale = ports[next];
                for (int i = 0; i < stale.length(); i++) {
                    stale.set(i, 0);
                }
                generation = next;
                generationStart = now;
            }
        }
    }
}
