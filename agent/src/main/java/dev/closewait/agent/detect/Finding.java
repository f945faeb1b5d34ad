package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.track.JdbcConnection;
import dev.closewait.agent.track.JdbcError;
import dev.closewait.agent.track.LeakStatus;
import dev.closewait.agent.track.Origin;
import dev.closewait.agent.track.StackFrames;
import dev.closewait.agent.track.TrackedSocket;

import java.util.List;

/** An immutable view of one leaked socket at the moment a report is made. */
public final class Finding {

    /** Epoch-millis fields hold this when the event has not happened. */
    public static final long NEVER = 0;

    private final long id;
    private final LeakStatus status;
    private final TcpState state;
    private final Origin origin;
    private final Endpoint local;
    private final Endpoint remote;
    private final long openedAt;
    private final long closeWaitSince;
    private final long closedAt;
    private final long unreachableAt;
    private final String thread;
    private final List<String> stack;
    private final Jdbc jdbc;

    /** The JDBC connection a leaked socket was opened for, as it stood when the view was taken. */
    public static final class Jdbc {
        private final String url;
        private final String user;
        private final String driver;
        private final long connectionClosedAt;
        private final long connectFailedAt;
        private final JdbcError connectError;

        public Jdbc(String url, String user, String driver, long connectionClosedAt, long connectFailedAt,
                    JdbcError connectError) {
            this.url = url;
            this.user = user;
            this.driver = driver;
            this.connectionClosedAt = connectionClosedAt;
            this.connectFailedAt = connectFailedAt;
            this.connectError = connectError;
        }

        static Jdbc of(JdbcConnection connection) {
            synchronized (connection) {
                return new Jdbc(connection.url(), connection.user(), connection.driver(), connection.closedAt(),
                        connection.failedAt(), connection.connectError());
            }
        }

        /** The URL, secrets masked. */
        public String url() {
            return url;
        }

        public String user() {
            return user;
        }

        public String driver() {
            return driver;
        }

        /** When the application closed the connection; {@link #NEVER} if it did not. */
        public long connectionClosedAt() {
            return connectionClosedAt;
        }

        /** When the connect that opened the socket failed; {@link #NEVER} if it did not. */
        public long connectFailedAt() {
            return connectFailedAt;
        }

        /** The last failed connect or reconnect, or {@code null}. */
        public JdbcError connectError() {
            return connectError;
        }
    }

    public Finding(long id, LeakStatus status, TcpState state, Origin origin, Endpoint local, Endpoint remote,
                   long openedAt, long closeWaitSince, long closedAt, long unreachableAt, String thread,
                   List<String> stack) {
        this(id, status, state, origin, local, remote, openedAt, closeWaitSince, closedAt, unreachableAt, thread,
                stack, null);
    }

    public Finding(long id, LeakStatus status, TcpState state, Origin origin, Endpoint local, Endpoint remote,
                   long openedAt, long closeWaitSince, long closedAt, long unreachableAt, String thread,
                   List<String> stack, Jdbc jdbc) {
        this.id = id;
        this.status = status;
        this.state = state;
        this.origin = origin;
        this.local = local;
        this.remote = remote;
        this.openedAt = openedAt;
        this.closeWaitSince = closeWaitSince;
        this.closedAt = closedAt;
        this.unreachableAt = unreachableAt;
        this.thread = thread;
        this.stack = List.copyOf(stack);
        this.jdbc = jdbc;
    }

    /** A view of {@code socket} as it is now. */
    static Finding of(TrackedSocket socket, StackFrames frames) {
        synchronized (socket) {
            // Closed after it became a leak, before the scanner caught up: already closed late.
            LeakStatus status = socket.status() == LeakStatus.OPEN && socket.closedAt() != NEVER
                    ? LeakStatus.CLOSED_LATE : socket.status();
            return new Finding(socket.id(), status, socket.lastState(), socket.origin(), socket.local(),
                    socket.remote(), socket.openedAt(), socket.closeWaitSince(), socket.closedAt(),
                    socket.unreachableAt(), socket.thread(), socket.stack(frames),
                    socket.jdbc() == null ? null : Jdbc.of(socket.jdbc()));
        }
    }

    /**
     * This socket as an open one, whether or not it is a leak: status {@link LeakStatus#OPEN}, the
     * kernel's state and local address of now (the local address kept where the kernel shows none).
     */
    public Finding asOpenSocket(TcpState stateNow, Endpoint localNow) {
        return new Finding(id, LeakStatus.OPEN, stateNow, origin, localNow == null ? local : localNow, remote, openedAt,
                closeWaitSince, NEVER, NEVER, thread, stack, jdbc);
    }

    /** The same finding with other creation frames (a shortened stack, for one reader). */
    public Finding withStack(List<String> frames) {
        return new Finding(id, status, state, origin, local, remote, openedAt, closeWaitSince, closedAt, unreachableAt,
                thread, frames, jdbc);
    }

    public long id() {
        return id;
    }

    public LeakStatus status() {
        return status;
    }

    /** The last TCP state the kernel reported for it. */
    public TcpState state() {
        return state;
    }

    public Origin origin() {
        return origin;
    }

    /** The local endpoint, or {@code null} if the kernel never showed it. */
    public Endpoint local() {
        return local;
    }

    public Endpoint remote() {
        return remote;
    }

    public long openedAt() {
        return openedAt;
    }

    public long closeWaitSince() {
        return closeWaitSince;
    }

    public long closedAt() {
        return closedAt;
    }

    /** When the agent learnt the socket object was collected unclosed; {@link #NEVER} if not. */
    public long unreachableAt() {
        return unreachableAt;
    }

    public String thread() {
        return thread;
    }

    /** The JDBC connection it was opened for, or {@code null}. */
    public Jdbc jdbc() {
        return jdbc;
    }

    /** Creation frames, innermost first; empty when unknown. */
    public List<String> stack() {
        return stack;
    }
}
