package dev.closewait.agent.track;

import dev.closewait.agent.boot.ConnectionEvents;
import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.ProcessSockets;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.lang.ref.ReferenceQueue;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every open socket of the application, held weakly and found by identity. Application threads
 * call {@link #opened} and {@link #closed} (through the bridge); the scanner reads the rest.
 *
 * <p>The hot path is one identity-hash map operation and, at open, a {@code new Throwable()}. Once
 * per scan, on the scanner's thread, the sockets still open swap that {@code Throwable} for their
 * interned frames (see {@link #drainCollectedUnclosed}): a socket held open for long costs about
 * 170 bytes instead of about 900.
 */
public final class SocketRegistry {

    /**
     * Distinct creation stacks interned for open sockets, at most. Applications open sockets from
     * tens of places; past this (deep recursion, generated code), sockets keep their {@code Throwable}.
     */
    static final int MAX_INTERNED_STACKS = 1024;

    private final Clock clock;
    private final ConcurrentHashMap<Object, TrackedSocket> open = new ConcurrentHashMap<>();
    private final ReferenceQueue<Object> collected = new ReferenceQueue<>();
    /** Remote endpoints whose activity is kept, at most. */
    static final int MAX_REMOTES = 128;
    /** A remote endpoint with no open for this long is forgotten, to make room for others. */
    static final long REMOTE_IDLE_MILLIS = 10 * 60_000L;
    private final ConcurrentHashMap<Endpoint, RemoteActivity> remotes = new ConcurrentHashMap<>();
    /** Open native sockets by inode. */
    private final ConcurrentHashMap<Long, TrackedSocket> nativeByInode = new ConcurrentHashMap<>();
    /** The remote endpoint of a socket whose endpoints are not known when it opens (a native one). */
    private static final Endpoint UNKNOWN_REMOTE = Endpoint.of(new byte[4], 0);
    private static final Class<?> VIRTUAL_THREAD = virtualThreadClass();
    private final ConcurrentLinkedQueue<TrackedSocket> closedAfterCloseWait = new ConcurrentLinkedQueue<>();
    private final AtomicLong ids = new AtomicLong();
    private final JdbcTracker jdbc;
    private final RequestOrigins requests = new RequestOrigins();
    private final Pools pools;
    private final SocketDescriptors descriptors;
    private final StackFrames openStacks = new StackFrames(MAX_INTERNED_STACKS);
    /** {@link #ids} at the last pass of {@link #internStacksOfOpenSockets} (scanner thread only). */
    private long trackedWhenInterned = -1;
    /**
     * Open sockets past the count of the last pass of {@link #internStacksOfOpenSockets} that make it
     * come early: a burst of opens that stay open holds a {@code Throwable} of about 900 bytes each
     * until the pass, where a small heap that had room for the sockets alone ran out of memory.
     */
    static final int INTERN_EARLY = 2048;
    /** {@link #INTERN_EARLY}, or a test's smaller count. */
    private int internEarly = INTERN_EARLY;
    /** {@link #openCount} at the last pass; read on the connect path. */
    private volatile long openWhenInterned;
    /** Early passes come at most this often: a scan is more than the pass, and the interval should bound its cost. */
    static final long EARLY_PASS_SPACING_NANOS = 1_000_000_000L;
    private long earlyPassSpacingNanos = EARLY_PASS_SPACING_NANOS;
    private volatile long lastEarlyPassNanos = System.nanoTime() - EARLY_PASS_SPACING_NANOS;
    /** Whether an early pass was asked for since the last pass. */
    private volatile boolean earlyPassAsked;
    /** Asks the scanner for an early pass ({@link #internEarlyBy}); nothing until set. */
    private volatile Runnable earlyPass;

    /** A registry that reads no field of the JDK's own classes (tests, benchmarks). */
    public SocketRegistry(Clock clock) {
        this(clock, jdkField -> jdkField.setAccessible(true));
    }

    /**
     * @param clock  the agent's one clock
     * @param opener makes a field of a JDK class accessible to the agent alone, for the JDK's keep-alive cache
     */
    public SocketRegistry(Clock clock, java.util.function.Consumer<java.lang.reflect.Field> opener) {
        this.clock = clock;
        this.jdbc = new JdbcTracker(clock);
        this.pools = new Pools(clock, this, jdbc, opener);
        this.descriptors = new SocketDescriptors(opener);
    }

    /** A socket became connected; see {@code ConnectionEvents.opened}. */
    public void opened(Object socket, int origin) {
        int localPort;
        Endpoint remote;
        Endpoint local = null;
        boolean channel;
        if (socket instanceof SocketChannel) {
            SocketChannel sc = (SocketChannel) socket;
            SocketAddress remoteAddress;
            SocketAddress localAddress;
            try {
                remoteAddress = sc.getRemoteAddress();
                localAddress = sc.getLocalAddress();
            } catch (Exception closedMeanwhile) {
                return;
            }
            if (!(remoteAddress instanceof InetSocketAddress) || !(localAddress instanceof InetSocketAddress)) {
                return; // a Unix domain socket
            }
            InetSocketAddress r = (InetSocketAddress) remoteAddress;
            InetSocketAddress l = (InetSocketAddress) localAddress;
            if (r.getAddress() == null) {
                return;
            }
            localPort = l.getPort();
            remote = Endpoint.of(r.getAddress(), r.getPort());
            local = l.getAddress() == null || l.getAddress().isAnyLocalAddress()
                    ? null : Endpoint.of(l.getAddress(), l.getPort());
            channel = true;
        } else if (socket instanceof Socket) {
            Socket s = (Socket) socket;
            if (OverriddenGetters.in(s.getClass())) {
                // The application's getters would run inside its connect: read the JDK's fields instead.
                SocketDescriptors.Connected connected = descriptors.connectedOf(s);
                if (connected == null || connected.closed) {
                    return;
                }
                localPort = connected.localPort;
                remote = Endpoint.of(connected.remote, connected.remotePort);
            } else {
                // Cached fields after connect: no system call.
                if (s.getInetAddress() == null || s.getLocalPort() <= 0) {
                    return;
                }
                localPort = s.getLocalPort();
                remote = Endpoint.of(s.getInetAddress(), s.getPort());
            }
            channel = false;
        } else {
            if (origin == ConnectionEvents.ORIGIN_ACCEPT) {
                nativeAccepted(socket);
            }
            return;
        }
        if (open.containsKey(new IdentityLookup(socket))) {
            return; // connect() then finishConnect(), or accept() through an adaptor
        }
        JdbcConnection connection = jdbc.connectingNow();
        TrackedSocket tracked = new TrackedSocket(socket, collected, ids.incrementAndGet(),
                origin == ConnectionEvents.ORIGIN_ACCEPT ? Origin.ACCEPT : Origin.CONNECT, channel, localPort, remote,
                local, clock.millis(), threadName(), connection, 0, new Throwable(), requests.originOf(socket));
        if (open.putIfAbsent(tracked, tracked) == null) {
            if (!earlyPassAsked && open.mappingCount() - openWhenInterned >= internEarly) {
                askEarlyPass();
            }
            if (connection != null) {
                connection.socketOpened();
            }
            RemoteActivity activity = activity(tracked, true);
            if (activity != null) {
                activity.opened(localPort, tracked.creationForSample(), tracked.openedAt());
            }
            if (isClosed(socket, descriptors)) {
                // Closed by another thread between the connect and this entry: its close found no
                // entry to remove. The closed flag is set before the close's own event, so one of
                // the two always sees the other.
                closed(socket);
            }
        }
    }

    /**
     * A socket that native code opened: Netty's {@code io.netty.channel.unix.Socket} with file
     * descriptor {@code fd} (epoll, io_uring, kqueue; not yet connected). Tracked by its inode,
     * read from {@code /proc/self/fd}, which the kernel's rows carry: its endpoints come from there.
     * Where there is no {@code /proc} it cannot be matched, and is not tracked.
     */
    public void nativeOpened(Object socket, int fd) {
        long inode = ProcessSockets.inodeOf(fd);
        if (inode == 0) {
            return;
        }
        TrackedSocket tracked = new TrackedSocket(socket, collected, ids.incrementAndGet(), Origin.CONNECT, true,
                0, UNKNOWN_REMOTE, null, clock.millis(), threadName(), jdbc.connectingNow(), inode, new Throwable(),
                requests.originOf(socket));
        TrackedSocket before = nativeByInode.put(inode, tracked);
        if (before != null && open.remove(before) != null) {
            before.clear(); // the same descriptor wrapped again (io_uring's accept makes a throw-away one first)
        }
        open.put(tracked, tracked);
    }

    /** Netty made an accepted child channel ({@code channel}, whose {@code fd()} is the accepted socket). */
    private void nativeAccepted(Object channel) {
        Object fd = call(channel, "fd");
        Object value = fd == null ? null : call(fd, "intValue");
        if (value instanceof Integer) {
            TrackedSocket tracked = nativeByInode.get(ProcessSockets.inodeOf((Integer) value));
            if (tracked != null) {
                tracked.accepted();
            }
        }
    }

    private static Object call(Object target, String method) {
        try {
            java.lang.reflect.Method m = target.getClass().getMethod(method);
            m.setAccessible(true);
            return m.invoke(target);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError unknown) {
            return null;
        }
    }

    /**
     * What this JVM does towards the socket's peer (the remote endpoint it connected to, or the
     * client host it accepted from); made on the first connection there while fewer than
     * {@link #MAX_REMOTES} are known (if {@code make}), else {@code null}.
     */
    private RemoteActivity activity(TrackedSocket socket, boolean make) {
        if (socket.matchedByInode()) {
            return null; // a native socket's endpoints are the kernel's, read by the scanner
        }
        boolean accepted = socket.origin() == Origin.ACCEPT;
        Endpoint peer = accepted ? socket.remote().anyPort() : socket.remote();
        RemoteActivity known = remotes.get(peer);
        if (known != null || !make || remotes.size() >= MAX_REMOTES) {
            return known;
        }
        return remotes.computeIfAbsent(peer, r -> new RemoteActivity(r, accepted, clock.millis()));
    }

    /**
     * What this JVM did towards each peer it connected to (by remote endpoint) or accepted from
     * (by client host, port 0); at most {@link #MAX_REMOTES}.
     */
    public Collection<RemoteActivity> remoteActivity() {
        return remotes.values();
    }

    /** Forgets peers with no open for {@link #REMOTE_IDLE_MILLIS}: their ports are long free. Scanner thread. */
    public void forgetIdleRemotes() {
        long now = clock.millis();
        remotes.values().removeIf(there -> now - there.lastOpenedAt() > REMOTE_IDLE_MILLIS);
    }

    /** How many open sockets are matched by inode (native ones): a scan then needs the rows by inode. */
    public int nativeOpenCount() {
        return nativeByInode.size();
    }

    private static boolean isClosed(Object socket, SocketDescriptors descriptors) {
        if (!(socket instanceof Socket) && !(socket instanceof SocketChannel)) {
            return false; // a native socket: connected or not, its close comes as an event
        }
        if (socket instanceof SocketChannel) {
            return !((SocketChannel) socket).isOpen();
        }
        if (OverriddenGetters.in(socket.getClass())) {
            SocketDescriptors.Connected connected = descriptors.connectedOf((Socket) socket);
            return connected != null && connected.closed;
        }
        return ((Socket) socket).isClosed();
    }

    /**
     * The opening thread's name; an unnamed virtual thread's is {@code VirtualThread[#id]}, the part
     * of its {@code toString()} that stays (the rest is its state and carrier of the moment, and
     * costs several times as much to render, on every connect from such a thread).
     */
    private static String threadName() {
        Thread thread = Thread.currentThread();
        String name = thread.getName();
        if (!name.isEmpty()) {
            return LongText.capped(name);
        }
        return VIRTUAL_THREAD != null && VIRTUAL_THREAD.isInstance(thread) ? "VirtualThread[#" + thread.getId() + "]"
                : thread.toString();
    }

    /** The JDK's class of virtual threads (JDK 21 and later), or {@code null}. */
    private static Class<?> virtualThreadClass() {
        try {
            return Class.forName("java.lang.BaseVirtualThread", false, null);
        } catch (ClassNotFoundException | LinkageError older) {
            return null;
        }
    }

    /** The application closed {@code socket}; see {@code ConnectionEvents.closed}. */
    public void closed(Object socket) {
        TrackedSocket tracked = open.remove(new IdentityLookup(socket));
        if (tracked == null) {
            return;
        }
        if (tracked.matchedByInode()) {
            nativeByInode.remove(tracked.inode(), tracked);
        }
        boolean recheck = tracked.markClosed(clock.millis());
        tracked.clear(); // closed: never enqueued as collected
        if (tracked.jdbc() != null) {
            tracked.jdbc().socketGone();
        }
        RemoteActivity activity = activity(tracked, false);
        Throwable closer = recheck || activity != null && activity.keepsCloseStacks() ? new Throwable() : null;
        if (recheck) {
            tracked.closedBy(closer); // who closed it says what the report's words will be
            closedAfterCloseWait.add(tracked);
        }
        if (activity != null) {
            activity.closed(tracked, closer, tracked.closedAt());
        }
    }

    /** See {@code ConnectionEvents.jdbcConnectStarted}. */
    public void jdbcConnectStarted(Object driver, String url, Object info, Object connection) {
        jdbc.connectStarted(driver, url, info, connection);
    }

    /** See {@code ConnectionEvents.jdbcConnectEnded}. */
    public void jdbcConnectEnded(Object result, Throwable thrown) {
        jdbc.connectEnded(result, thrown);
    }

    /** See {@code ConnectionEvents.jdbcClosed}. */
    public void jdbcClosed(Object connection) {
        jdbc.closed(connection);
    }

    /** A library's request starts on this thread; see {@code ConnectionEvents.requestStarted}. */
    public void requestStarted(Object request) {
        requests.started(request);
    }

    /** This thread acts for a request; see {@code ConnectionEvents.actingFor}. */
    public void actingFor(Object request) {
        requests.actingFor(request);
    }

    /** The innermost request or work for one on this thread ended. */
    public void requestEnded() {
        requests.ended();
    }

    /** A socket channel was made on this thread (its connect may happen on another). */
    public void channelCreated(Object channel) {
        requests.channelCreated(channel);
    }

    /** A pool or cache of connections did something; see {@code ConnectionEvents.pool}. */
    public void pool(int library, int event, Object resource, Object detail) {
        pools.event(library, event, resource, detail);
    }

    /** The tracked socket of {@code socket}, if it is open and tracked; else {@code null}. */
    TrackedSocket tracked(Object socket) {
        return socket == null ? null : open.get(new IdentityLookup(socket));
    }

    /** Whether a JDBC connection ended while one of its sockets stayed open. */
    public boolean mayHaveAbandonedSockets() {
        return jdbc.mayHaveAbandonedSockets();
    }

    /** Failed JDBC connects, per URL and user, most recent first. */
    public List<JdbcFailure> jdbcFailures() {
        return jdbc.failures().snapshot();
    }

    /** Failed JDBC connects of URL and user pairs past the ones {@link #jdbcFailures} keeps: counted, not listed. */
    public long jdbcFailuresNotListed() {
        return jdbc.failures().dropped();
    }

    /**
     * A socket that was open before the agent attached, known only from the kernel's table: no
     * object, stack, thread or open time. Matched by its inode from then on.
     */
    public TrackedSocket adoptPreexisting(ConnectionKey key, Endpoint local, long inode) {
        return adopt(Origin.BEFORE_ATTACH, key, local, inode);
    }

    /**
     * A socket known only from the kernel's table ({@link Origin#BEFORE_ATTACH} or
     * {@link Origin#UNTRACKED}): no object, stack, thread or open time; matched by its inode.
     */
    public TrackedSocket adopt(Origin origin, ConnectionKey key, Endpoint local, long inode) {
        return new TrackedSocket(null, null, ids.incrementAndGet(), origin, false, key.localPort(), key.remote(), local,
                0, null, null, inode, null, null);
    }

    /** The sockets open now (a live view). */
    public Collection<TrackedSocket> openSockets() {
        return open.values();
    }

    /**
     * The file descriptor of {@code socket}'s socket, or -1 where none is known: closed, collected,
     * a native socket, or a JDK whose fields the agent cannot read. Scanner thread.
     */
    public int descriptorOf(TrackedSocket socket) {
        return socket.matchedByInode() ? -1 : descriptors.of(socket.get());
    }

    /** Whether {@link #descriptorOf} can know any descriptor in this JVM (it can read the JDK's fields). */
    public boolean descriptorsReadable() {
        return descriptors.readable();
    }

    /** Whether {@code socket} is still among the open sockets: neither closed nor taken out as collected. */
    public boolean isOpen(TrackedSocket socket) {
        return open.containsKey(socket);
    }

    /** How many sockets are open now. */
    public int openCount() {
        return open.size();
    }

    /** How many sockets were tracked since the agent started. */
    public long trackedCount() {
        return ids.get();
    }

    /** Sockets closed after a scan had seen them in CLOSE_WAIT, since the last call. */
    public List<TrackedSocket> drainClosedAfterCloseWait() {
        List<TrackedSocket> drained = new ArrayList<>();
        for (TrackedSocket t; (t = closedAfterCloseWait.poll()) != null; ) {
            drained.add(t);
        }
        return drained;
    }

    /**
     * Sockets whose objects were collected without a close, since the last call; no longer open.
     *
     * <p>The scanner calls this first in every scan, so it is also where the registry does its own
     * housekeeping off the application's path: see {@link #internStacksOfOpenSockets()}.
     */
    public List<TrackedSocket> drainCollectedUnclosed() {
        internStacksOfOpenSockets();
        List<TrackedSocket> drained = new ArrayList<>();
        long now = clock.millis();
        for (Object ref; (ref = collected.poll()) != null; ) {
            TrackedSocket tracked = (TrackedSocket) ref;
            if (open.remove(tracked) != null) {
                if (tracked.matchedByInode()) {
                    nativeByInode.remove(tracked.inode(), tracked);
                }
                tracked.markUnreachable(now);
                if (tracked.jdbc() != null) {
                    tracked.jdbc().socketGone();
                }
                drained.add(tracked);
            }
        }
        return drained;
    }

    /**
     * Swaps the creation {@code Throwable} of every open socket for its interned frames. About
     * 15 µs per socket the first time, on the scanner's thread; the sockets that opened and closed
     * between two scans never get here, so churn pays nothing for it.
     */
    void internStacksOfOpenSockets() {
        openWhenInterned = open.mappingCount(); // opens during the pass count towards the next one
        earlyPassAsked = false;
        for (RemoteActivity there : remotes.values()) {
            there.internStacks(openStacks); // closes come without opens: every pass
        }
        long tracked = ids.get();
        if (tracked == trackedWhenInterned) {
            return; // no socket opened since the last pass: every open one holds its frames already
        }
        // A socket numbered but not yet in the map is missed until the next socket opens: it keeps
        // its Throwable meanwhile (more memory, the same report).
        trackedWhenInterned = tracked;
        for (TrackedSocket socket : open.values()) {
            if (socket.holdsCreationThrowable()) {
                socket.internStack(openStacks);
            }
        }
    }

    /** {@code pass} makes the scanner run a scan (which starts with this registry's pass) before its interval is over. */
    public void internEarlyBy(Runnable pass) {
        earlyPass = pass;
    }

    /** A test's count of open sockets past the last pass that asks for an early one, and spacing of early passes. */
    void internEarlyAfter(int opens, long spacingNanos) {
        internEarly = opens;
        earlyPassSpacingNanos = spacingNanos;
    }

    private void askEarlyPass() {
        Runnable pass = earlyPass;
        long now = System.nanoTime();
        if (pass != null && now - lastEarlyPassNanos >= earlyPassSpacingNanos) {
            lastEarlyPassNanos = now;
            earlyPassAsked = true;
            pass.run();
        }
    }

    /**
     * The open socket whose kernel row has {@code inode} though no row matched its key: a socket
     * connected through a SOCKS or HTTP proxy says its target, the kernel shows the proxy. Matched
     * by its inode from now on, with the kernel's remote ({@code null}: no tracked socket has that
     * inode). Scanner thread: reads {@code /proc/self/fd} for the sockets of that local port only.
     */
    public TrackedSocket claimByInode(int localPort, long inode, Endpoint kernelRemote) {
        if (!ProcessSockets.isAvailable()) {
            return null;
        }
        for (TrackedSocket socket : open.values()) {
            if (socket.matchedByInode() || socket.localPort() != localPort) {
                continue;
            }
            int fd = descriptorOf(socket);
            if (fd >= 0 && ProcessSockets.inodeOf(fd) == inode) {
                socket.matchByInode(inode, kernelRemote);
                nativeByInode.put(inode, socket);
                return socket;
            }
        }
        return null;
    }

    /**
     * Forgets every socket and peer (the agent turned itself off: no close or collection will
     * come to remove them). Each entry is cleared first, so that none is queued when its socket is
     * collected later.
     */
    public void forgetAll() {
        for (TrackedSocket socket : open.values()) {
            socket.clear();
        }
        open.clear();
        nativeByInode.clear();
        remotes.clear();
        closedAfterCloseWait.clear();
        while (collected.poll() != null) {
            // dropped
        }
    }

    /** A probe that finds a tracked socket by the identity of the application's object. */
    private static final class IdentityLookup {
        private final Object socket;

        IdentityLookup(Object socket) {
            this.socket = socket;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof TrackedSocket && ((TrackedSocket) other).tracks(socket);
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(socket);
        }
    }
}
