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
 */
public final class TrackedSocket extends WeakReference<Object> {

    private final long id;
    private final int identityHash;
    /** Volatile: a native socket is known to be an accepted one only once Netty says so. */
    private volatile Origin origin;
    /** A socket that native code opened (Netty's epoll, io_uring, kqueue): matched to the kernel's rows by inode. */
    private final boolean matchedByInode;
    /** The remote endpoint the kernel showed, for a socket whose key was not known when it opened. */
    private Endpoint remoteSeen;
    private final boolean channel;
    private final ConnectionKey key;
    /** {@code key.hashCode()}, kept here: a scan rules most sockets out without reading their key. */
    private final int keyHash;
    private final long openedAt;
    private final String thread;
    private final JdbcConnection jdbc;
    private final long inode;
    /** The creation stack until it is rendered or interned, then {@code null}; read without the lock by {@link #holdsCreationThrowable}. */
    private Throwable creation;
    /** The stack of the application call that asked for the socket on another thread, until rendered; or {@code null}. */
    private Throwable requester;
    private List<String> requestedBy;
    /** What a pool or cache of connections says of this socket's connection (HTTP clients); or {@code null}. */
    private volatile PoolHold hold;
    /** Where a watched socket was closed (a finding, or one seen in CLOSE_WAIT), until rendered; or {@code null}. */
    private Throwable closer;
    private List<String> closedBy;

    private Endpoint local;
    private TcpState lastState;
    /** Volatile: {@link #seenInCloseWait} reads it without the lock, for every open socket in every scan. */
    private volatile long closeWaitSince;
    private long closedAt;
    private long unreachableAt;
    /** Set by detection for a socket whose close it must hear of (a finding, or one about to be). */
    private boolean watched;
    private List<String> stack;

    TrackedSocket(Object socket, ReferenceQueue<Object> queue, long id, Origin origin, boolean channel,
                  ConnectionKey key, Endpoint local, long openedAt, String thread, JdbcConnection jdbc,
                  long inode, Throwable creation, Throwable requester) {
        super(socket, queue);
        this.id = id;
        this.identityHash = socket == null ? 0 : System.identityHashCode(socket);
        this.origin = origin;
        this.matchedByInode = inode != 0;
        this.channel = channel;
        this.key = key;
        this.keyHash = key.hashCode();
        this.local = local;
        this.openedAt = openedAt;
        this.thread = thread;
        this.jdbc = jdbc;
        this.inode = inode;
        this.creation = creation;
        this.requester = requester;
    }

    public long id() {
        return id;
    }

    public Origin origin() {
        return origin;
    }

    /** An NIO channel: no cleaner releases its descriptor when it becomes unreachable. */
    public boolean isChannel() {
        return channel;
    }

    public int keyHash() {
        return keyHash;
    }

    public ConnectionKey key() {
        return key;
    }

    /** The remote endpoint: from the socket when it opened, or as the kernel shows it (native sockets). */
    public synchronized Endpoint remote() {
        return remoteSeen != null ? remoteSeen : key.remote();
    }

    /**
     * Whether this socket is matched to the kernel's rows by its inode rather than by its key: it
     * was opened by native code, or is known only from the kernel's table.
     */
    public boolean matchedByInode() {
        return matchedByInode;
    }

    void accepted() {
        origin = Origin.ACCEPT;
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
        return inode;
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
        return lastState;
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
        return unreachableAt;
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
        if (matchedByInode && row != null) {
            remoteSeen = row;
        }
        lastState = state;
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
        if (closedAt != 0 || unreachableAt != 0) {
            return false;
        }
        watched = true;
        return true;
    }

    /**
     * Records the application's close; returns whether detection must look at this socket again
     * (it was in CLOSE_WAIT or detection watches it).
     */
    synchronized boolean markClosed(long now) {
        if (closedAt == 0) {
            closedAt = now;
        }
        return closeWaitSince != 0 || watched;
    }

    synchronized void markUnreachable(long now) {
        if (unreachableAt == 0) {
            unreachableAt = now;
        }
    }

    /** The creation stack, rendered once and interned; empty for {@link Origin#BEFORE_ATTACH}. */
    public synchronized List<String> stack(StackFrames frames) {
        if (stack == null) {
            stack = creation == null ? List.of() : frames.render(creation);
            creation = null;
        }
        return stack;
    }

    /**
     * The application call that asked for this socket, opened on a library's own thread, rendered
     * once; {@code null} when it was opened on the asking thread or nobody is known to have asked.
     */
    public synchronized List<String> requestedBy(StackFrames frames) {
        if (requestedBy == null && requester != null) {
            requestedBy = frames.render(requester);
            requester = null;
        }
        return requestedBy;
    }

    /** The frames of the close of a watched socket, rendered once; {@code null} if not closed or not watched. */
    public synchronized List<String> closedBy(StackFrames frames) {
        if (closedBy == null && closer != null) {
            closedBy = frames.render(closer);
            closer = null;
        }
        return closedBy;
    }

    synchronized void closedBy(Throwable where) {
        closer = where;
    }

    /** What a pool or cache says of this socket's connection, or {@code null}. */
    public PoolHold hold() {
        return hold;
    }

    void hold(PoolHold hold) {
        this.hold = hold;
    }

    /** The creation {@code Throwable}, for a sample of stacks (read without the lock: a stale {@code null} is fine). */
    Throwable creationForSample() {
        return creation;
    }

    /**
     * Whether this socket still holds the {@code Throwable} captured at open (about 720 bytes on
     * JDK 17 for a stack of up to 32 frames). A racy read: a stale answer only costs a look under the lock.
     */
    boolean holdsCreationThrowable() {
        return creation != null;
    }

    /**
     * Swaps the {@code Throwable} captured at open for its interned frames, if {@code frames} still
     * has room for a new stack: a socket that stays open then costs a reference to a shared list.
     */
    synchronized void internStack(StackFrames frames) {
        if (stack == null && creation != null) {
            List<String> interned = frames.renderInterned(creation);
            if (interned != null) {
                stack = interned;
                creation = null;
            }
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
        return "socket #" + id + " " + key;
    }
}
