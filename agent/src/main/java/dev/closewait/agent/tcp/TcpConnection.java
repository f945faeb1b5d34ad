package dev.closewait.agent.tcp;

/**
 * One row of the kernel's TCP table: both endpoints, the state and, where the platform tells,
 * the socket's inode (Linux) or owning process (Windows).
 */
public final class TcpConnection {

    /** Value of {@link #inode()} where the platform does not tell. */
    public static final long NO_INODE = 0;
    /** Value of {@link #pid()} where the platform does not tell. */
    public static final long NO_PID = -1;

    private final Endpoint local;
    private final Endpoint remote;
    private final TcpState state;
    private final long inode;
    private final long pid;

    public TcpConnection(Endpoint local, Endpoint remote, TcpState state, long inode, long pid) {
        this.local = local;
        this.remote = remote;
        this.state = state;
        this.inode = inode;
        this.pid = pid;
    }

    public Endpoint local() {
        return local;
    }

    public Endpoint remote() {
        return remote;
    }

    public TcpState state() {
        return state;
    }

    /** Linux socket inode; {@link #NO_INODE} when unknown or when no process holds the socket. */
    public long inode() {
        return inode;
    }

    /** Owning process (Windows {@code netstat -o}); {@link #NO_PID} when unknown. */
    public long pid() {
        return pid;
    }

    @Override
    public String toString() {
        return local + " -> " + remote + " " + state + (inode != NO_INODE ? " inode " + inode : "");
    }
}
