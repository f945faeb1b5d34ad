package dev.closewait.agent.tcp;

import dev.closewait.agent.track.ConnectionKey;
import org.junit.jupiter.api.Test;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link NetlinkTcpTable} against the kernel of this machine, checked row for row against
 * {@link ProcNetTcp}, the table it replaces: real sockets, real netlink dumps, through the JNI
 * library the build put in {@code target/classes}.
 */
class NetlinkTcpTableTest {

    private static NetlinkTcpTable load(int rows) {
        return load(rows, null);
    }

    /** {@code oneDump}: both families in one dump, or one dump per family; {@code null}: as the agent loads it. */
    private static NetlinkTcpTable load(int rows, Boolean oneDump) {
        StringBuilder why = new StringBuilder();
        NetlinkTcpTable table = oneDump == null ? NetlinkTcpTable.load(why::append, rows)
                : NetlinkTcpTable.load(why::append, rows, oneDump);
        assumeTrue(table != null, () -> "netlink cannot be used here: " + why);
        return table;
    }

    @Test
    void aSocketInCloseWaitShowsAsInProcWithItsInode() throws IOException {
        NetlinkTcpTable netlink = load(1024);
        for (InetAddress address : List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1"))) {
            try (ServerSocket server = new ServerSocket(0, 5, address);
                 Socket client = new Socket(address, server.getLocalPort())) {
                server.accept().close(); // the peer's FIN: the client sits in CLOSE_WAIT
                ConnectionKey key = new ConnectionKey(client.getLocalPort(), Endpoint.of(address, server.getLocalPort()));
                TcpConnection fromProc = awaitCloseWait(new ProcNetTcp(), key);
                TcpConnection fromNetlink = awaitCloseWait(netlink, key);
                assertEquals(fromProc.toString(), fromNetlink.toString(), "same local, remote, state and inode");
                assertNotEquals(TcpConnection.NO_INODE, fromNetlink.inode(), "an open socket has an inode");
            }
        }
    }

    @Test
    void theListeningSocketsOfTheMachineAreTheSameRowsAsInProcIncludingIpv4Ones() throws IOException {
        NetlinkTcpTable netlink = load(1024);
        try (ServerSocket v6 = new ServerSocket(0, 5, InetAddress.getByName("::1"))) {
            // The machine is shared: listeners come and go between two reads. What was there before and
            // after the netlink read must be in it; nothing absent from both may be.
            Set<String> before = rows(new ProcNetTcp(), EnumSet.of(TcpState.LISTEN));
            Set<String> fromNetlink = rows(netlink, EnumSet.of(TcpState.LISTEN));
            Set<String> after = rows(new ProcNetTcp(), EnumSet.of(TcpState.LISTEN));
            Set<String> stable = new java.util.TreeSet<>(before);
            stable.retainAll(after);
            Set<String> seen = new java.util.TreeSet<>(before);
            seen.addAll(after);
            assertTrue(fromNetlink.containsAll(stable), "every listener of both /proc reads");
            assertTrue(seen.containsAll(fromNetlink), "no listener /proc never showed");
            String own = "[::1]:" + v6.getLocalPort() + " -> [::]:0 LISTEN";
            assertTrue(fromNetlink.stream().anyMatch(row -> row.startsWith(own)), "this test's own listener");
            assertTrue(fromNetlink.stream().anyMatch(row -> row.startsWith("127.") || row.startsWith("0.0.0.0")),
                    "IPv4 rows too: " + fromNetlink);
        }
    }

    /**
     * One dump of both families and a dump per family give the same rows: an IPv4 socket (AF_INET),
     * an IPv6 one, and an IPv4 connection on an IPv6 socket (its kernel addresses IPv4-mapped), each
     * in CLOSE_WAIT, from both tables, as {@code /proc} shows them.
     */
    @Test
    void oneDumpOfBothFamiliesShowsTheRowsOfADumpPerFamily() throws IOException {
        NetlinkTcpTable perFamily = load(1024, false);
        NetlinkTcpTable oneDump = load(1024, true);
        assertTrue(oneDump.readsBothFamiliesInOneDump());
        assertTrue(NetlinkTcpTable.load(why -> { }).readsBothFamiliesInOneDump(),
                "the agent takes the one dump where the kernel answers it");
        List<Closeable> open = new ArrayList<>();
        try {
            List<ConnectionKey> keys = new ArrayList<>();
            keys.add(closeWait(StandardProtocolFamily.INET, InetAddress.getByName("127.0.0.1"), open));
            keys.add(closeWait(StandardProtocolFamily.INET6, InetAddress.getByName("::1"), open));
            keys.add(closeWait(StandardProtocolFamily.INET6, InetAddress.getByName("127.0.0.1"), open));
            for (ConnectionKey key : keys) {
                String fromProc = awaitCloseWait(new ProcNetTcp(), key).toString();
                assertEquals(fromProc, awaitCloseWait(perFamily, key).toString(), "a dump per family");
                assertEquals(fromProc, awaitCloseWait(oneDump, key).toString(), "one dump");
            }
        } finally {
            for (Closeable closeable : open) {
                closeable.close();
            }
        }
    }

    /** A connection of {@code family} to {@code address} whose peer closed: its client end sits in CLOSE_WAIT. */
    private static ConnectionKey closeWait(StandardProtocolFamily family, InetAddress address, List<Closeable> open)
            throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(family);
        open.add(server);
        server.bind(new InetSocketAddress(address, 0));
        SocketChannel client = SocketChannel.open(family);
        open.add(client);
        client.connect(server.getLocalAddress());
        server.accept().close();
        return new ConnectionKey(((InetSocketAddress) client.getLocalAddress()).getPort(),
                Endpoint.of(address, ((InetSocketAddress) server.getLocalAddress()).getPort()));
    }

    @Test
    void aBufferTooSmallForTheTableGrowsAndNothingIsLost() throws IOException {
        NetlinkTcpTable tiny = load(1);
        List<Socket> open = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            for (int i = 0; i < 20; i++) {
                open.add(new Socket(server.getInetAddress(), server.getLocalPort()));
                open.add(server.accept());
            }
            Set<TcpState> listeningAndEstablished = EnumSet.of(TcpState.LISTEN, TcpState.ESTABLISHED);
            Set<String> fromNetlink = rows(tiny, listeningAndEstablished);
            Set<String> fromProc = rows(new ProcNetTcp(), listeningAndEstablished);
            for (Socket socket : open) {
                String local = ":" + socket.getLocalPort() + " -> ";
                assertEquals(1, fromNetlink.stream().filter(r -> r.contains(local) && r.contains(":" + socket.getPort()
                        + " ESTABLISHED")).count(), () -> local + " in " + fromNetlink);
            }
            assertEquals(fromProc.stream().filter(r -> r.contains(":" + server.getLocalPort())).count(),
                    fromNetlink.stream().filter(r -> r.contains(":" + server.getLocalPort())).count());
        } finally {
            for (Socket socket : open) {
                socket.close();
            }
        }
    }

    private static TcpConnection awaitCloseWait(TcpTable table, ConnectionKey key) throws IOException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            List<TcpConnection> found = new ArrayList<>();
            table.read(EnumSet.of(TcpState.CLOSE_WAIT), row -> {
                if (ConnectionKey.of(row).equals(key)) {
                    found.add(row);
                }
            });
            if (found.size() == 1) {
                return found.get(0);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(table.describe() + " shows " + found + " for " + key);
            }
            Thread.onSpinWait();
        }
    }

    private static Set<String> rows(TcpTable table, Set<TcpState> states) throws IOException {
        Set<String> rows = new TreeSet<>();
        table.read(states, row -> rows.add(row.toString()));
        return rows;
    }
}
