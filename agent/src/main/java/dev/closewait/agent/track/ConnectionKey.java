package dev.closewait.agent.track;

import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpConnection;

/**
 * What matches a tracked socket to a row of the kernel's TCP table: the local port and the
 * remote address and port. Within one network namespace two connections cannot share all three
 * unless they were bound to different local addresses on purpose; the local address is read from
 * the kernel's row, which saves a {@code getsockname} call per connect.
 *
 * <p>A scan keys the kernel's rows by it. A tracked socket keeps the two parts in its own fields
 * rather than one of these per socket, and makes one when asked ({@link TrackedSocket#key()}).
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

    /**
     * A hash of the two ports, whose top bits pick a bit of a filter: a scan sets those of the rows
     * it looks for, and a tracked socket gives its own ({@link TrackedSocket#keyHash()}) from one of
     * its fields.
     */
    public int keyHash() {
        return keyHash(localPort << 16 | remote.port());
    }

    /** The hash of {@code ports}, {@code localPort << 16 | remotePort}: multiplicative, so its top bits are the best mixed. */
    public static int keyHash(int ports) {
        return ports * 0x9E3779B9;
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
