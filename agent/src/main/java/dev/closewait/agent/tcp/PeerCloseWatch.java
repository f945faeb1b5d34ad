package dev.closewait.agent.tcp;

import java.io.IOException;
import java.util.Locale;

/**
 * An epoll set of the agent's own, holding the descriptors of the application's open sockets, that
 * hears when a peer sends its FIN (or a reset) on one of them: the only ways a socket the
 * application keeps open enters CLOSE_WAIT or leaves the table. While it hears nothing and the
 * application opened and closed nothing, the kernel's table shows this JVM's sockets as the last
 * read did, and a scan need not walk the kernel's sockets again (see {@code CloseWaitScanner}).
 *
 * <p>Edge-triggered on {@code EPOLLRDHUP}: each FIN or reset is one event, however long the socket
 * then stays in CLOSE_WAIT. A watch costs the kernel about 200 bytes and takes no reference to the
 * socket: it goes when the socket's last descriptor closes. The socket's own readers and writers,
 * and the application's own selectors, are woken as before.
 *
 * <p>Needs the agent's native library ({@link NetlinkTcpTable}); {@link #PROPERTY} turns it off.
 */
public final class PeerCloseWatch implements AutoCloseable {

    /**
     * System property that turns the watch off ({@code false}): every scan then reads the table. A
     * diagnostic switch, not an option.
     */
    public static final String PROPERTY = "closewait.peerCloseWatch";

    /** errno: the user's epoll watches are used up ({@code /proc/sys/fs/epoll/max_user_watches}). */
    public static final int ENOSPC = 28;

    private final int set;
    private volatile boolean closed;

    private PeerCloseWatch(int set) {
        this.set = set;
    }

    private static native int create();

    private static native int add(int set, int fd);

    private static native int drain(int set);

    private static native void close(int set);

    /**
     * A new watch, or {@code null} with the reason in {@code why}: no native library (netlink is not
     * read), {@link #PROPERTY} is {@code false}, or the kernel made no epoll set.
     */
    public static PeerCloseWatch open(java.util.function.Consumer<String> why) {
        if (System.getProperty(PROPERTY, "true").trim().toLowerCase(Locale.ROOT).equals("false")) {
            why.accept("-D" + PROPERTY + "=false");
            return null;
        }
        if (!NetlinkTcpTable.libraryLoaded()) {
            why.accept("the agent's native library is not loaded");
            return null;
        }
        try {
            int set = create();
            if (set < 0) {
                why.accept("epoll_create1 failed with errno " + -set);
                return null;
            }
            return new PeerCloseWatch(set);
        } catch (LinkageError stale) {
            why.accept("the native library has no peer-close watch: " + stale);
            return null;
        }
    }

    /**
     * Watches descriptor {@code fd}; one watched already is armed again. Returns 0 or the errno:
     * {@code EBADF} (9) or {@code EPERM} (1) when the descriptor is closed or now something other
     * than a socket, {@link #ENOSPC} when the user's watches are used up.
     */
    public int watch(int fd) {
        if (closed) {
            return 9;
        }
        int result = add(set, fd);
        return result < 0 ? -result : 0;
    }

    /** Takes the events waiting, without blocking: how many FINs and resets came since the last call. */
    public int drain() throws IOException {
        if (closed) {
            throw new IOException("the peer-close watch is closed");
        }
        int events = drain(set);
        if (events < 0) {
            throw new IOException("epoll_wait failed with errno " + -events);
        }
        return events;
    }

    /** The set's own descriptor (its {@code /proc/self/fdinfo} lists the watches). */
    int descriptor() {
        return set;
    }

    /** Closes the set: every watch goes with it. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            close(set);
        }
    }
}
