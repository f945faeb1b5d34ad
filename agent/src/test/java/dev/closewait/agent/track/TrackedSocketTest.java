package dev.closewait.agent.track;

import dev.closewait.agent.boot.ConnectionEvents;
import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a {@link TrackedSocket} keeps in its packed fields and its rarely made part. */
class TrackedSocketTest {

    private final SocketRegistry registry = new SocketRegistry(Clock.systemUTC());
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final Socket socket = new Socket(server.getInetAddress(), server.getLocalPort());

    TrackedSocketTest() throws IOException {
    }

    @AfterEach
    void close() throws IOException {
        socket.close();
        server.close();
    }

    @Test
    void isMatchedByTheKeyOfItsLocalPortAndRemoteEndpoint() {
        registry.opened(socket, ConnectionEvents.ORIGIN_CONNECT);
        TrackedSocket tracked = registry.tracked(socket);

        ConnectionKey key = new ConnectionKey(socket.getLocalPort(), Endpoint.of(socket.getInetAddress(), socket.getPort()));
        assertEquals(key, tracked.key());
        assertEquals(socket.getLocalPort(), tracked.localPort());
        assertEquals(key.remote(), tracked.remote());
        assertEquals(key.keyHash(), tracked.keyHash(), "the scan's bit of a row is the socket's own");
        assertEquals(0, tracked.inode());
        assertFalse(tracked.matchedByInode());
    }

    @Test
    void keepsItsOriginKindAndKernelStateApart() throws IOException {
        try (SocketChannel channel = SocketChannel.open(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()))) {
            registry.opened(channel, ConnectionEvents.ORIGIN_CONNECT);
            TrackedSocket tracked = registry.tracked(channel);
            assertEquals(Origin.CONNECT, tracked.origin());
            assertTrue(tracked.isChannel());
            assertNull(tracked.lastState());

            tracked.accepted();
            tracked.observed(null, TcpState.NEW_SYN_RECV, 5);
            assertEquals(Origin.ACCEPT, tracked.origin());
            assertTrue(tracked.isChannel());
            assertEquals(TcpState.NEW_SYN_RECV, tracked.lastState());

            tracked.observed(null, TcpState.CLOSE_WAIT, 7);
            assertEquals(TcpState.CLOSE_WAIT, tracked.lastState());
            assertEquals(7, tracked.closeWaitSince());
            assertEquals(Origin.ACCEPT, tracked.origin());
        }
    }

    @Test
    void aWatchedSocketIsLookedAtAgainWhenItCloses() {
        registry.opened(socket, ConnectionEvents.ORIGIN_CONNECT);
        TrackedSocket tracked = registry.tracked(socket);

        assertTrue(tracked.watchIfStillOpen());
        tracked.observed(null, TcpState.ESTABLISHED, 3);

        assertTrue(tracked.markClosed(9), "watched, though never in CLOSE_WAIT");
        assertEquals(9, tracked.closedAt());
        assertFalse(tracked.watchIfStillOpen(), "closed already");
    }

    @Test
    void keepsWhatFewSocketsHave() {
        registry.opened(socket, ConnectionEvents.ORIGIN_CONNECT);
        TrackedSocket tracked = registry.tracked(socket);
        assertNull(tracked.hold());
        assertNull(tracked.closedBy(new StackFrames()));
        assertNull(tracked.requestedBy(new StackFrames()));
        assertEquals(0, tracked.unreachableAt());

        PoolHold idle = PoolHold.idle("JDK HttpClient", null, 4);
        tracked.hold(idle);
        assertSame(idle, tracked.hold());
        tracked.hold(null);
        assertNull(tracked.hold());
        tracked.markUnreachable(11);
        tracked.markUnreachable(12);
        assertEquals(11, tracked.unreachableAt());
        assertFalse(tracked.watchIfStillOpen(), "collected already");
        tracked.closedBy(new Throwable());
        assertTrue(tracked.closedBy(new StackFrames()) != null, "the closer, rendered");
    }

    @Test
    void aSocketKnownOnlyFromTheTableIsMatchedByItsInodeAndTakesTheKernelsRemote() {
        Endpoint remote = Endpoint.of(new byte[] {10, 0, 0, 7}, 5432);
        TrackedSocket adopted = registry.adopt(Origin.UNTRACKED, new ConnectionKey(40000, remote), null, 777);

        assertTrue(adopted.matchedByInode());
        assertEquals(777, adopted.inode());
        assertEquals(remote, adopted.remote());
        assertEquals(Origin.UNTRACKED, adopted.origin());
        assertTrue(adopted.stack(new StackFrames()).isEmpty());

        Endpoint seen = Endpoint.of(new byte[] {10, 0, 0, 8}, 5432);
        adopted.observed(null, seen, TcpState.CLOSE_WAIT, 20);
        assertEquals(seen, adopted.remote());
    }
}
