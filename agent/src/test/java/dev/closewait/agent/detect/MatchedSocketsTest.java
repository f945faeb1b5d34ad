package dev.closewait.agent.detect;

import dev.closewait.agent.boot.ConnectionEvents;
import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpConnection;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.track.ConnectionKey;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.track.TrackedSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a scan may look at the sockets the last pass remembered instead of at every open socket. */
class MatchedSocketsTest {

    private final SocketRegistry registry = new SocketRegistry(Clock.systemUTC());
    private final MatchedSockets matched = new MatchedSockets();
    private final List<Socket> sockets = new ArrayList<>();
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());

    MatchedSocketsTest() throws IOException {
    }

    @AfterEach
    void close() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        server.close();
    }

    @Test
    void aPassIsNeededUntilTwoPassesInARowFoundNoSocketNumberedSince() throws IOException {
        TrackedSocket a = open();
        TrackedSocket b = open();
        assertFalse(matched.passNeedless(registry.trackedCount(), Map.of(), Map.of()), "no pass yet");

        pass(List.of(a, b), Map.of());
        assertFalse(matched.passNeedless(registry.trackedCount(), Map.of(), Map.of()),
                "a socket numbered before the pass may have entered the registry after the pass went by");

        pass(List.of(a, b), Map.of());
        assertTrue(matched.passNeedless(registry.trackedCount(), Map.of(), Map.of()));

        open();
        assertFalse(matched.passNeedless(registry.trackedCount(), Map.of(), Map.of()), "a socket opened since");
    }

    @Test
    void aRowNeedsAPassWhenASocketThePassDidNotRememberHasItsPorts() throws IOException {
        TrackedSocket a = open();
        TrackedSocket b = open();
        Map<ConnectionKey, TcpConnection> rowOfA = Map.of(a.key(), closeWait(a.key(), 7));
        pass(List.of(a, b), rowOfA);
        pass(List.of(a, b), rowOfA);
        long tracked = registry.trackedCount();

        assertTrue(matched.passNeedless(tracked, rowOfA, Map.of()), "the row of a remembered socket");
        assertTrue(matched.passNeedless(tracked, Map.of(), Map.of()), "no row");
        assertTrue(matched.passNeedless(tracked, Map.of(a.key(), closeWait(a.key(), 8)), Map.of()),
                "another row with a remembered socket's key: the scan looks at that socket anyway");
        assertFalse(matched.passNeedless(tracked, Map.of(), Map.of(b.key(), closeWait(b.key(), 9))),
                "a FIN_WAIT_2 row with the key of a socket not remembered");
        ConnectionKey portsOfB = new ConnectionKey(b.localPort(), Endpoint.of(new byte[] {10, 9, 8, 7}, b.remote().port()));
        assertFalse(matched.passNeedless(tracked, Map.of(portsOfB, closeWait(portsOfB, 10)), Map.of()),
                "a row with the ports of a socket not remembered, whatever its addresses");
        ConnectionKey otherPorts = new ConnectionKey(65000, a.remote());
        assertTrue(matched.passNeedless(tracked, Map.of(otherPorts, closeWait(otherPorts, 11)), Map.of()),
                "a row whose ports no socket of the pass has (another process's)");
        ConnectionKey reversed = new ConnectionKey(b.remote().port(), Endpoint.of(new byte[] {127, 0, 0, 1},
                b.localPort()));
        assertTrue(matched.passNeedless(tracked, Map.of(reversed, closeWait(reversed, 12)), Map.of()),
                "the other end of a tracked connection (the peer's row)");
    }

    @Test
    void aRowNeedsAPassWhenTwoSocketsHaveItsPortsThoughOneIsRemembered() throws IOException {
        // Two connections from one local port to one port of two addresses: two keys, the same ports.
        try (ServerSocket second = new ServerSocket()) {
            second.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), server.getLocalPort()));
            Socket one = new Socket();
            one.setReuseAddress(true);
            one.bind(new InetSocketAddress(server.getInetAddress(), 0));
            Socket two = new Socket();
            two.setReuseAddress(true);
            two.bind(new InetSocketAddress(server.getInetAddress(), one.getLocalPort()));
            sockets.addAll(List.of(one, two));
            one.connect(server.getLocalSocketAddress());
            two.connect(second.getLocalSocketAddress());
            sockets.add(server.accept());
            sockets.add(second.accept());
            registry.opened(one, ConnectionEvents.ORIGIN_CONNECT);
            registry.opened(two, ConnectionEvents.ORIGIN_CONNECT);
            List<TrackedSocket> both = new ArrayList<>(registry.openSockets());
            assertEquals(2, both.size());
            assertEquals(both.get(0).ports(), both.get(1).ports());
            assertFalse(both.get(0).key().equals(both.get(1).key()));

            TrackedSocket remembered = both.get(0);
            Map<ConnectionKey, TcpConnection> row = Map.of(remembered.key(), closeWait(remembered.key(), 7));
            for (int i = 0; i < 2; i++) {
                matched.passStarts(registry.trackedCount(), registry.openCount());
                matched.saw(remembered, true);
                matched.saw(both.get(1), false);
            }
            assertFalse(matched.passNeedless(registry.trackedCount(), row, Map.of()),
                    "the other socket's key may be the row's: only a pass looks at it");
        }
    }

    @Test
    void theRememberedSocketsStillOpenComeInTheOrderOfThePass() throws IOException {
        TrackedSocket a = open();
        TrackedSocket b = open();
        TrackedSocket c = open();
        TrackedSocket d = open();
        matched.passStarts(registry.trackedCount(), registry.openCount());
        matched.saw(c, true);
        matched.saw(b, false);
        matched.saw(a, true);
        matched.saw(d, true);

        registry.closed(sockets.get(sockets.size() - 2)); // d's socket (each open() adds the client, then the accepted end)

        assertEquals(List.of(c, a), matched.stillOpen(registry));
        assertEquals(List.of(c, a), matched.stillOpen(registry));
    }

    private void pass(List<TrackedSocket> open, Map<ConnectionKey, TcpConnection> closeWait) {
        matched.passStarts(registry.trackedCount(), registry.openCount());
        for (TrackedSocket socket : open) {
            matched.saw(socket, closeWait.containsKey(socket.key()));
        }
    }

    private static TcpConnection closeWait(ConnectionKey key, long inode) {
        return new TcpConnection(Endpoint.of(new byte[] {127, 0, 0, 1}, key.localPort()), key.remote(),
                TcpState.CLOSE_WAIT, inode, TcpConnection.NO_PID);
    }

    /** Opens a connection and tracks its client end. */
    private TrackedSocket open() throws IOException {
        Socket socket = new Socket(server.getInetAddress(), server.getLocalPort());
        sockets.add(socket);
        sockets.add(server.accept());
        registry.opened(socket, ConnectionEvents.ORIGIN_CONNECT);
        for (TrackedSocket tracked : registry.openSockets()) {
            if (tracked.localPort() == socket.getLocalPort()) {
                return tracked;
            }
        }
        throw new AssertionError("not tracked: " + socket);
    }
}
