package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.track.JdbcConnection;
import dev.closewait.agent.track.JdbcError;
import dev.closewait.agent.track.Origin;
import dev.closewait.agent.track.PoolHold;
import dev.closewait.agent.track.StackFrames;
import dev.closewait.agent.track.TrackedSocket;

import java.util.List;

/**
 * An immutable view of one socket at the moment a report is made: a finding, or (for the JUnit
 * extension) a socket a test left open. Built with {@link #builder(long)}.
 */
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
    private final boolean atExit;
    private final List<String> requestedBy;
    private final HeldBy heldBy;
    private final List<String> borrowedBy;
    private final Diagnosis diagnosis;
    private final List<String> closedBy;

    /** A known pool or cache that holds the socket's connection idle: the report's {@code heldBy}. */
    public static final class HeldBy {
        private final String library;
        private final String name;
        private final long idleSince;

        public HeldBy(String library, String name, long idleSince) {
            this.library = library;
            this.name = name;
            this.idleSince = idleSince;
        }

        /** Always {@code pool}: a pool or a cache of connections. */
        public String kind() {
            return "pool";
        }

        public String library() {
            return library;
        }

        /** The pool's name, or {@code null} where it has none. */
        public String name() {
            return name;
        }

        /** When the connection became idle there. */
        public long idleSince() {
            return idleSince;
        }
    }

    /** The likely cause of a finding and the change that fixes it: the report's {@code diagnosis}. */
    public static final class Diagnosis {
        private final String cause;
        private final String advice;

        public Diagnosis(String cause, String advice) {
            this.cause = cause;
            this.advice = advice;
        }

        public String cause() {
            return cause;
        }

        public String advice() {
            return advice;
        }
    }

    /** The JDBC connection a socket was opened for, as it stood when the view was taken. */
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

        /** When the connection was closed (by the application or its pool); {@link #NEVER} if it was not. */
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

    private Finding(Builder b) {
        this.id = b.id;
        this.status = b.status;
        this.state = b.state;
        this.origin = b.origin;
        this.local = b.local;
        this.remote = b.remote;
        this.openedAt = b.openedAt;
        this.closeWaitSince = b.closeWaitSince;
        this.closedAt = b.closedAt;
        this.unreachableAt = b.unreachableAt;
        this.thread = b.thread;
        this.stack = List.copyOf(b.stack);
        this.jdbc = b.jdbc;
        this.atExit = b.atExit;
        this.requestedBy = b.requestedBy == null ? null : List.copyOf(b.requestedBy);
        this.heldBy = b.heldBy;
        this.borrowedBy = b.borrowedBy == null ? null : List.copyOf(b.borrowedBy);
        this.diagnosis = b.diagnosis;
        this.closedBy = b.closedBy == null ? null : List.copyOf(b.closedBy);
    }

    /** A finding with this id; every other field has its empty value until set. */
    public static Builder builder(long id) {
        return new Builder(id);
    }

    /** A builder holding every field of this finding, to change some. */
    public Builder toBuilder() {
        return new Builder(id).status(status).state(state).origin(origin).local(local).remote(remote)
                .openedAt(openedAt).closeWaitSince(closeWaitSince).closedAt(closedAt).unreachableAt(unreachableAt)
                .thread(thread).stack(stack).jdbc(jdbc).atExit(atExit).requestedBy(requestedBy).heldBy(heldBy)
                .borrowedBy(borrowedBy).diagnosis(diagnosis).closedBy(closedBy);
    }

    /** The pool that holds the socket's connection now; {@code null} if none. Call holding the socket's lock. */
    private static PoolHold holdOf(TrackedSocket socket) {
        // A pool holds only what is still open: a closed connection or socket has left it, whatever it said last.
        boolean open = socket.closedAt() == NEVER && socket.unreachableAt() == NEVER
                && (socket.jdbc() == null || socket.jdbc().closedAt() == NEVER);
        return !open ? null : lastHold(socket);
    }

    /** What its pool said of the socket last (of its JDBC connection, for a JDBC socket), or {@code null}. */
    private static PoolHold lastHold(TrackedSocket socket) {
        return socket.jdbc() != null ? socket.jdbc().hold() : socket.hold();
    }

    /**
     * The hold of a socket closed while it sat idle in its pool: the pool closed it, late, and the
     * finding (CLOSED_LATE) is the pool's, not the application's. {@code null} for any other.
     */
    private static PoolHold closingHold(TrackedSocket socket) {
        if (socket.closedAt() == NEVER || socket.unreachableAt() != NEVER) {
            return null;
        }
        PoolHold hold = lastHold(socket);
        return hold != null && hold.idle() ? hold : null;
    }

    /** Whether a known pool holds the socket's connection idle now: what {@link #isHeldByPool()} of its view says. */
    static boolean heldIdle(TrackedSocket socket) {
        synchronized (socket) {
            PoolHold hold = holdOf(socket);
            return hold != null && hold.idle();
        }
    }

    /**
     * A view of {@code socket} as it is now, with the status detection gave it ({@code null} for
     * none), and whether the last scan at exit made it a finding.
     */
    static Finding of(TrackedSocket socket, LeakStatus status, boolean atExit, StackFrames frames) {
        Finding view;
        PoolHold hold;
        synchronized (socket) {
            hold = holdOf(socket);
            if (hold == null) {
                hold = closingHold(socket);
            }
            view = builder(socket.id())
                    .status(LeakRules.asReported(status, socket.closedAt()))
                    .state(socket.lastState())
                    .origin(socket.origin())
                    .local(socket.local())
                    .remote(socket.remote())
                    .openedAt(socket.openedAt())
                    .closeWaitSince(socket.closeWaitSince())
                    .closedAt(socket.closedAt())
                    .unreachableAt(socket.unreachableAt())
                    .thread(socket.thread())
                    .stack(socket.stack(frames))
                    .jdbc(socket.jdbc() == null ? null : Jdbc.of(socket.jdbc()))
                    .atExit(atExit)
                    .requestedBy(socket.requestedBy(frames))
                    .heldBy(hold != null && hold.idle() ? new HeldBy(hold.library(), hold.name(), hold.since()) : null)
                    .borrowedBy(hold != null && !hold.idle() ? hold.borrowedBy(frames) : null)
                    .closedBy(socket.closedBy(frames))
                    .build();
        }
        Diagnosis diagnosis = Diagnoses.of(view, hold == null || hold.idle() ? null : hold.library());
        return diagnosis == null ? view : view.toBuilder().diagnosis(diagnosis).build();
    }

    public long id() {
        return id;
    }

    public LeakStatus status() {
        return status;
    }

    /** The last TCP state the kernel reported for it; {@code null} if none. */
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

    /**
     * Whether the last scan at JVM exit made this a finding: still open and in CLOSE_WAIT as the
     * JVM ended, whatever {@code grace} says.
     */
    public boolean atExit() {
        return atExit;
    }

    /**
     * Frames of the application call that asked for the connection, when the socket was opened on a
     * library's own thread (a Netty event loop, OkHttp's connect thread, the JDK HttpClient's
     * executor); {@code null} otherwise.
     */
    public List<String> requestedBy() {
        return requestedBy;
    }

    /** The pool or cache that holds the connection idle, or {@code null} when the application holds it. */
    public HeldBy heldBy() {
        return heldBy;
    }

    /** Frames of the call that borrowed the connection from a pool and never returned it; {@code null} otherwise. */
    public List<String> borrowedBy() {
        return borrowedBy;
    }

    /** The likely cause and the fix, or {@code null} when not known. */
    public Diagnosis diagnosis() {
        return diagnosis;
    }

    /**
     * Frames of the close of a finding closed late, where known (a pool, the JDK's keep-alive cache,
     * a driver, the application); {@code null} otherwise. Text only: not part of the JSON report.
     */
    public List<String> closedBy() {
        return closedBy;
    }

    /** Whether a pool holds it idle: not the application's leak, and no CI gate fails on it. */
    public boolean isHeldByPool() {
        return heldBy != null;
    }

    /** Sets the fields of a {@link Finding}; unset fields are empty ({@code null}, {@link #NEVER}, no frames). */
    public static final class Builder {
        private final long id;
        private LeakStatus status;
        private TcpState state;
        private Origin origin = Origin.CONNECT;
        private Endpoint local;
        private Endpoint remote;
        private long openedAt;
        private long closeWaitSince;
        private long closedAt;
        private long unreachableAt;
        private String thread;
        private List<String> stack = List.of();
        private Jdbc jdbc;
        private boolean atExit;
        private List<String> requestedBy;
        private HeldBy heldBy;
        private List<String> borrowedBy;
        private Diagnosis diagnosis;
        private List<String> closedBy;

        private Builder(long id) {
            this.id = id;
        }

        public Builder status(LeakStatus status) {
            this.status = status;
            return this;
        }

        public Builder state(TcpState state) {
            this.state = state;
            return this;
        }

        public Builder origin(Origin origin) {
            this.origin = origin;
            return this;
        }

        public Builder local(Endpoint local) {
            this.local = local;
            return this;
        }

        public Builder remote(Endpoint remote) {
            this.remote = remote;
            return this;
        }

        public Builder openedAt(long epochMillis) {
            this.openedAt = epochMillis;
            return this;
        }

        public Builder closeWaitSince(long epochMillis) {
            this.closeWaitSince = epochMillis;
            return this;
        }

        public Builder closedAt(long epochMillis) {
            this.closedAt = epochMillis;
            return this;
        }

        public Builder unreachableAt(long epochMillis) {
            this.unreachableAt = epochMillis;
            return this;
        }

        public Builder thread(String thread) {
            this.thread = thread;
            return this;
        }

        public Builder stack(List<String> stack) {
            this.stack = stack;
            return this;
        }

        public Builder jdbc(Jdbc jdbc) {
            this.jdbc = jdbc;
            return this;
        }

        public Builder atExit(boolean atExit) {
            this.atExit = atExit;
            return this;
        }

        public Builder requestedBy(List<String> frames) {
            this.requestedBy = frames;
            return this;
        }

        public Builder heldBy(HeldBy heldBy) {
            this.heldBy = heldBy;
            return this;
        }

        public Builder borrowedBy(List<String> frames) {
            this.borrowedBy = frames;
            return this;
        }

        public Builder closedBy(List<String> frames) {
            this.closedBy = frames;
            return this;
        }

        public Builder diagnosis(Diagnosis diagnosis) {
            this.diagnosis = diagnosis;
            return this;
        }

        public Finding build() {
            if (remote == null) {
                throw new IllegalStateException("a finding needs its remote endpoint");
            }
            return new Finding(this);
        }
    }
}
