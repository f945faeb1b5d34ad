package dev.closewait.agent.track;

import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpState;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.List;

/**
 * One socket the agent tracks. Holds the application's socket only weakly, so a leaked socket can
 * still be collected (and its descriptor released by the JDK's cleaner).
 *
 * <p>What the socket was when it opened is final. What was observed later (its kernel state, when
 * it entered CLOSE_WAIT, when it was closed or collected) is guarded by this object's monitor:
 * application threads close sockets while the scanner looks at them. Verdicts are not kept here:
 * detection decides them ({@code dev.closewait.agent.detect.LeakRules}).
 *
 * <p>One is kept for every open socket, so it is small (96 bytes on a 64-bit JVM with compressed
 * references): the key to the kernel's rows is its own fields (the local port, the remote endpoint),
 * the origin, kind and kernel state share one {@code int}, and what few sockets ever have (an inode,
 * a requester's stack, a pool's hold, a closer's stack, a collection time) lives in a {@link Rare}
 * made for those few.
 */
public final class TrackedSocket extends WeakReference<Object> {

    private static final int ORIGIN_MASK = 0x7;
    private static final Origin[] ORIGINS = Origin.values();
    private static final int CHANNEL = 1 << 3;
    private static final int MATCHED_BY_INODE = 1 << 4;
    /** Set by detection for a socket whose close it must hear of (a finding, or one about to be). */
    private static final int WATCHED = 1 << 5;
    /** Set by the scanner once the socket's descriptor is in its peer-close watch. */
    private static final int IN_PEER_CLOSE_WATCH = 1 << 6;
    /** The last kernel state seen, as {@code ordinal + 1} (0: none), from this bit up. */
    private static final int STATE_SHIFT = 8;
    private static final TcpState[] STATES = TcpState.values();

    private final long id;
    private final int identityHash;
    /** {@code localPort << 16 | remotePort}: a scan rules most sockets out by this field alone ({@link #keyHash()}). */
    private final int ports;
    /**
     * The origin (the low bits), {@link #CHANNEL}, {@link #MATCHED_BY_INODE}, {@link #WATCHED} and the
     * last kernel state. Volatile: a native socket is known to be an accepted one only once Netty says
     * so, and the scan reads the origin without the lock. Written only under the lock.
     */
    private volatile int flags;
    /** The remote endpoint the socket had when it opened; a placeholder for a native socket, whose key is not known then. */
    private final Endpoint remote;
    private final long openedAt;
    private final String thread;
    private final JdbcConnection jdbc;
    /**
     * The creation stack: the {@code Throwable} captured at open until it is rendered or interned, then
     * its frames (a {@code List<String>}); {@code null} for a socket known only from the kernel's table.
     * Read without the lock by {@link #holdsCreationThrowable} and {@link #creationForSample}.
     */
    private Object creation;
    /** What only some sockets have; made on the first need, never dropped. Volatile: {@link #hold()} reads it without the lock. */
    private volatile Rare rare;

    private Endpoint local;
    /** Volatile: {@link #seenInCloseWait} reads it without the lock, for every open socket in every scan. */
    private volatile long closeWaitSince;
    private long closedAt;

    /** The fields few sockets ever set. */
    private static final class Rare {
        /**
         * The kernel's inode of a socket matched by inode (native, known only from the table, or
         * claimed by the scanner through a proxy); 0 for the others.
         */
        volatile long inode;
        /** The remote endpoint the kernel showed, for a socket whose key was not known when it opened. */
        Endpoint remoteSeen;
        /** The stack of the application call that asked for the socket on another thread, until rendered; or {@code null}. */
        Throwable requester;
        List<String> requestedBy;
        /** What a pool or cache of connections says of this socket's connection (HTTP clients); or {@code null}. */
        volatile PoolHold hold;
        /** Where a watched socket was closed (a finding, or one seen in CLOSE_WAIT), until rendered; or {@code null}. */
        Throwable closer;
        List<String> closedBy;
        long unreachableAt;

        Rare(long inode, Throwable requester) {
            this.inode = inode;
            this.requester = requester;
        }
    }

    TrackedSocket(Object socket, ReferenceQueue<Object> queue, long id, Origin origin, boolean channel,
                  int localPort, Endpoint remote, Endpoint local, long openedAt, String thread, JdbcConnection jdbc,
                  long inode, Throwable creation, Throwable requester) {
        super(socket, queue);
        this.id = id;
        this.identityHash = socket == null ? 0 : System.identityHashCode(socket);
        this.flags = origin.ordinal() | (channel ? CHANNEL : 0) | (inode != 0 ? MATCHED_BY_INODE : 0);
        this.ports = localPort << 16 | remote.port();
        this.remote = remote;
        this.local = local;
        this.openedAt = openedAt;
        this.thread = thread;
        this.jdbc = jdbc;
        this.creation = creation;
        if (inode != 0 || requester != null) {
            this.rare = new Rare(inode, requester);
        }
    }

    public long id() {
        return id;
    }

    public Origin origin() {
        return ORIGINS[flags & ORIGIN_MASK];
    }

    /** An NIO channel: no cleaner releases its descriptor when it becomes unreachable. */
    public boolean isChannel() {
        return (flags & CHANNEL) != 0;
    }

    /** The local port of the key: from the socket when it opened; 0 for a socket matched by inode that opened unconnected. */
    public int localPort() {
        return ports >>> 16;
    }

    /** The two ports of the key, {@code localPort << 16 | remotePort}: this object's own field. */
    public int ports() {
        return ports;
    }

    /**
     * A hash of the key's ports, from this object's own field: a scan sets a bit per kernel row it
     * looks for and passes over most sockets without reading anything else of them. Equals
     * {@link ConnectionKey#keyHash()} of the key.
     */
    public int keyHash() {
        return ConnectionKey.keyHash(ports);
    }

    /** The key that matches this socket to a row of the kernel's table (a new object each call). */
    public ConnectionKey key() {
        return new ConnectionKey(localPort(), remote);
    }

    /** The remote endpoint: from the socket when it opened, or as the kernel shows it (native sockets). */
    public Endpoint remote() {
        Rare r = rare;
        if (r != null) {
            synchronized (this) {
                if (r.remoteSeen != null) {
                    return r.remoteSeen;
                }
            }
        }
        return remote;
    }

    /**
     * Whether this socket is matched to the kernel's rows by its inode rather than by its key: it
     * was opened by native code, or is known only from the kernel's table.
     */
    public boolean matchedByInode() {
        return (flags & MATCHED_BY_INODE) != 0;
    }

    /**
     * From now on matched by {@code inode}, with the remote endpoint the kernel shows: a socket
     * connected through a SOCKS or HTTP proxy names its target, the kernel the proxy, so its key
     * matched no row ({@link SocketRegistry#claimByInode}).
     */
    synchronized void matchByInode(long inode, Endpoint kernelRemote) {
        Rare r = rare();
        r.inode = inode;
        r.remoteSeen = kernelRemote;
        flags |= MATCHED_BY_INODE;
    }

    synchronized void accepted() {
        flags = flags & ~ORIGIN_MASK | Origin.ACCEPT.ordinal();
    }

    /** Epoch millis of the connect or accept; 0 for {@link Origin#BEFORE_ATTACH}. */
    public long openedAt() {
        return openedAt;
    }

    /** Name of the thread that opened it; {@code null} for {@link Origin#BEFORE_ATTACH}. */
    public String thread() {
        return thread;
    }

    /** The kernel's inode of a socket found open when the agent attached; 0 for sockets seen opening. */
    public long inode() {
        Rare r = rare;
        return r == null ? 0 : r.inode;
    }

    /**
     * Records that a socket found open at attach has left the kernel's table: its descriptor was
     * released (closed by the application or by a collection; the agent cannot tell which).
     */
    public synchronized void markGone(long now) {
        if (closedAt == 0) {
            closedAt = now;
        }
    }

    /** The JDBC connection it was opened for, or {@code null} if none. */
    public JdbcConnection jdbc() {
        return jdbc;
    }

    /** The local endpoint: from the channel, or from the kernel's row once seen; may be {@code null}. */
    public synchronized Endpoint local() {
        return local;
    }

    public synchronized TcpState lastState() {
        int state = flags >>> STATE_SHIFT;
        return state == 0 ? null : STATES[state - 1];
    }

    /** Epoch millis of the first scan that saw it in CLOSE_WAIT; 0 if none did. */
    public synchronized long closeWaitSince() {
        return closeWaitSince;
    }

    /** Whether a scan ever saw it in CLOSE_WAIT; cheap, without the lock. */
    public boolean seenInCloseWait() {
        return closeWaitSince != 0;
    }

    /** Epoch millis of the application's close; 0 if not closed. */
    public synchronized long closedAt() {
        return closedAt;
    }

    /** Epoch millis when the agent learnt the socket object was collected unclosed; 0 if not. */
    public synchronized long unreachableAt() {
        return rare == null ? 0 : rare.unreachableAt;
    }

    /**
     * Records a scan's view of the kernel's row for this socket; ignored once the application
     * closed it (the scan may have read the table just before the close).
     */
    public synchronized void observed(Endpoint kernelLocal, TcpState state, long now) {
        observed(kernelLocal, null, state, now);
    }

    /** {@link #observed(Endpoint, TcpState, long)}, with the remote endpoint the kernel shows ({@code row}, may be {@code null}). */
    public synchronized void observed(Endpoint kernelLocal, Endpoint row, TcpState state, long now) {
        if (closedAt != 0) {
            return;
        }
        if (kernelLocal != null) {
            local = kernelLocal;
        }
        if (matchedByInode() && row != null) {
            rare().remoteSeen = row;
        }
        flags = flags & ((1 << STATE_SHIFT) - 1) | (state == null ? 0 : state.ordinal() + 1) << STATE_SHIFT;
        if (state == TcpState.CLOSE_WAIT && closeWaitSince == 0) {
            closeWaitSince = now;
        }
    }

    /**
     * Asks to hear of this socket's close (through {@link SocketRegistry#drainClosedAfterCloseWait})
     * even if it never entered CLOSE_WAIT. Returns {@code false}, and changes nothing, if it was
     * closed or collected already: the caller decides under this object's lock.
     */
    public synchronized boolean watchIfStillOpen() {
        if (closedAt != 0 || unreachableAt() != 0) {
            return false;
        }
        flags |= WATCHED;
        return true;
    }

    /** Whether the scanner's peer-close watch holds this socket's descriptor. */
    public boolean inPeerCloseWatch() {
        return (flags & IN_PEER_CLOSE_WATCH) != 0;
    }

    /** The scanner put this socket's descriptor in its peer-close watch. */
    public synchronized void putInPeerCloseWatch() {
        flags |= IN_PEER_CLOSE_WATCH;
    }

    /**
     * Records the application's close; returns whether detection must look at this socket again
     * (it was in CLOSE_WAIT or detection watches it).
     */
    synchronized boolean markClosed(long now) {
        if (closedAt == 0) {
            closedAt = now;
        }
        return closeWaitSince != 0 || (flags & WATCHED) != 0;
    }

    synchronized void markUnreachable(long now) {
        Rare r = rare();
        if (r.unreachableAt == 0) {
            r.unreachableAt = now;
        }
    }

    /** The creation stack, rendered once and interned; empty for {@link Origin#BEFORE_ATTACH}. */
    @SuppressWarnings("unchecked")
    public synchronized List<String> stack(StackFrames frames) {
        if (!(creation instanceof List)) {
            creation = creation == null ? List.of() : frames.render((Throwable) creation);
        }
        return (List<String>) creation;
    }

    /**
     * The application call that asked for this socket, opened on a library's own thread, rendered
     * once; {@code null} when it was opened on the asking thread or nobody is known to have asked.
     */
    public synchronized List<String> requestedBy(StackFrames frames) {
        Rare r = rare;
        if (r == null) {
            return null;
        }
        if (r.requestedBy == null && r.requester != null) {
            r.requestedBy = frames.render(r.requester);
            r.requester = null;
        }
        return r.requestedBy;
    }

    /** The frames of the close of a watched socket, rendered once; {@code null} if not closed or not watched. */
    public synchronized List<String> closedBy(StackFrames frames) {
        Rare r = rare;
        if (r == null) {
            return null;
        }
        if (r.closedBy == null && r.closer != null) {
            r.closedBy = frames.render(r.closer);
            r.closer = null;
        }
        return r.closedBy;
    }

    synchronized void closedBy(Throwable where) {
        if (where != null || rare != null) {
            rare().closer = where;
        }
    }

    /** What a pool or cache says of this socket's connection, or {@code null}. */
    public PoolHold hold() {
        Rare r = rare;
        return r == null ? null : r.hold;
    }

    void hold(PoolHold hold) {
        Rare r = rare;
        if (r == null) {
            if (hold == null) {
                return;
            }
            r = rareLocked();
        }
        r.hold = hold; // volatile: a pool's thread sets it, the scanner and reports read it
    }

    /** {@link #rare}, made if need be; the caller holds the lock. */
    private Rare rare() {
        Rare r = rare;
        if (r == null) {
            r = new Rare(0, null);
            rare = r;
        }
        return r;
    }

    private synchronized Rare rareLocked() {
        return rare();
    }

    /** The creation {@code Throwable}, for a sample of stacks (read without the lock: a stale {@code null} is fine). */
    Throwable creationForSample() {
        Object captured = creation;
        return captured instanceof Throwable ? (Throwable) captured : null;
    }

    /**
     * Whether this socket still holds the {@code Throwable} captured at open (about 720 bytes on
     * JDK 17 for a stack of up to 32 frames). A racy read: a stale answer only costs a look under the lock.
     */
    boolean holdsCreationThrowable() {
        return creation instanceof Throwable;
    }

    /**
     * Swaps the {@code Throwable} captured at open for its interned frames, if {@code frames} still
     * has room for a new stack: a socket that stays open then costs a reference to a shared list.
     */
    synchronized void internStack(StackFrames frames) {
        if (creation instanceof Throwable) {
            List<String> interned = frames.renderInterned((Throwable) creation);
            if (interned != null) {
                creation = interned;
            }
        }
        if (rare != null && rare.requester != null) {
            requestedBy(frames); // a Throwable held for the socket's life would hold its classes' loaders too
        }
    }

    boolean tracks(Object socket) {
        return socket != null && get() == socket;
    }

    int identityHash() {
        return identityHash;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (other instanceof TrackedSocket) {
            Object referent = get();
            return referent != null && ((TrackedSocket) other).tracks(referent);
        }
        return false;
    }

    @Override
    public int hashCode() {
        return identityHash;
    }

    @Override
    public String toString() {
        return "socket #" + id + " " + key();
    }
}
