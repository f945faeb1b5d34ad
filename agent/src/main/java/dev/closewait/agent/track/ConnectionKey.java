package dev.closewait.agent.track;

import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpConnection;

/**
 * What matches a tracked socket to a row of the kernel's TCP table: the local port and the
 * remote address and port. Within one network namespace two connections cannot share all three
 * unless they were bound to different local addresses on purpose; the local address is read from
 * the kernel's row, which saves a {@code getsockname} call per connect.
 */
public final class ConnectionKey {

    private final int localPort;
    private final Endpoint remote;

    public ConnectionKey(int localPort, Endpoint remote) {
        this.localPort = localPort;
        this.remote = remote;
    }

    /** The key of a kernel row. */
    public static ConnectionKey of(TcpConnection row) {
        return new ConnectionKey(row.local().port(), row.remote());
    }

    public int localPort() {
        return localPort;
    }

    public Endpoint remote() {
        return remote;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof ConnectionKey)) {
            return false;
        }
        ConnectionKey that = (ConnectionKey) other;
        return localPort == that.localPort && remote.equals(that.remote);
    }

    @Override
    public int hashCode() {
        return 31 * remote.hashCode() + localPort;
    }

    @Override
    public String toString() {
        return "*:" + localPort + " -> " + remote;
    }
}
