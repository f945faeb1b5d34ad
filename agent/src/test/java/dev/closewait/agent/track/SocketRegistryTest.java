package dev.closewait.agent.track;

import dev.closewait.agent.boot.ConnectionEvents;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SocketRegistry}'s housekeeping: open sockets trade their creation {@code Throwable} for interned frames. */
class SocketRegistryTest {

    private final SocketRegistry registry = new SocketRegistry(Clock.systemUTC());
    private final List<Socket> sockets = new ArrayList<>();
    private ServerSocket server;

    @AfterEach
    void close() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void openSocketsSwapTheirCreationThrowableForOneSharedInternedStackAtTheNextScan() throws IOException {
        for (int i = 0; i < 3; i++) {
            openAndTrack(); // one call site: one stack
        }
        List<TrackedSocket> open = new ArrayList<>(registry.openSockets());
        assertTrue(open.stream().allMatch(TrackedSocket::holdsCreationThrowable), "captured at open");

        registry.drainCollectedUnclosed(); // the scanner's first call in every scan

        assertTrue(open.stream().noneMatch(TrackedSocket::holdsCreationThrowable), "interned at the scan");
        List<String> stack = open.get(0).stack(new StackFrames());
        assertFalse(stack.isEmpty());
        // This test lives under dev.closewait.agent., so its own frames are removed as the agent's.
        assertTrue(stack.stream().noneMatch(frame -> frame.contains("dev.closewait.agent.")), stack::toString);
        assertSame(stack, open.get(1).stack(new StackFrames()));
        assertSame(stack, open.get(2).stack(new StackFrames()));
    }

    private Socket openAndTrack() throws IOException {
        if (server == null) {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        }
        Socket socket = new Socket(server.getInetAddress(), server.getLocalPort());
        sockets.add(socket);
        registry.opened(socket, ConnectionEvents.ORIGIN_CONNECT);
        return socket;
    }

    @Test
    void aSocketClosedBeforeItsConnectEventIsNotLeftOpen() throws IOException {
        openAndTrack().close(); // a server, and a socket closed the usual way
        registry.closed(sockets.get(0));
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        socket.close();
        registry.closed(socket); // another thread's close ran its event first
        registry.opened(socket, ConnectionEvents.ORIGIN_CONNECT);
        assertEquals(0, registry.openCount(), "the late connect event sees the close");
        assertEquals(2, registry.trackedCount());
    }

    @Test
    void aChannelClosedBeforeItsConnectEventIsNotLeftOpen() throws IOException {
        openAndTrack();
        java.nio.channels.SocketChannel channel = java.nio.channels.SocketChannel.open(
                new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
        java.net.SocketAddress remote = channel.getRemoteAddress();
        channel.close();
        registry.opened(channel, ConnectionEvents.ORIGIN_CONNECT);
        assertEquals(1, registry.openCount(), "only the plain socket, still open: " + remote + " is not");
    }

    /** A socket class of the application's that guards its getters with its own lock, and counts their calls. */
    static final class GuardedSocket extends Socket {
        final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

        GuardedSocket(InetAddress host, int port) throws IOException {
            connect(new java.net.InetSocketAddress(host, port));
            calls.set(0); // what Socket's own connect called
        }

        @Override
        public synchronized InetAddress getInetAddress() {
            if (calls != null) {
                calls.incrementAndGet();
            }
            return super.getInetAddress();
        }

        @Override
        public synchronized int getLocalPort() {
            if (calls != null) {
                calls.incrementAndGet();
            }
            return super.getLocalPort();
        }

        @Override
        public boolean isClosed() {
            if (calls != null) { // null while Socket's constructor runs
                calls.incrementAndGet();
            }
            return super.isClosed();
        }
    }

    @Test
    void aSocketWhoseClassOverridesTheGettersIsReadFromItsFieldsWithoutRunningTheApplicationsCode() throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        GuardedSocket socket = new GuardedSocket(server.getInetAddress(), server.getLocalPort());
        sockets.add(socket);
        java.util.concurrent.CountDownLatch locked = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread holder = new Thread(() -> {
            synchronized (socket) { // the application holds the socket's lock meanwhile
                locked.countDown();
                try {
                    release.await();
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        holder.start();
        locked.await();
        try {
            java.util.concurrent.CompletableFuture<Void> event = java.util.concurrent.CompletableFuture.runAsync(
                    () -> registry.opened(socket, ConnectionEvents.ORIGIN_CONNECT));
            event.get(5, java.util.concurrent.TimeUnit.SECONDS); // it took the lock and waited before
        } finally {
            release.countDown();
            holder.join();
        }
        assertEquals(0, socket.calls.get(), "no getter of the application's ran");
        assertEquals(1, registry.openCount());
        TrackedSocket tracked = registry.openSockets().iterator().next();
        assertEquals(socket.getLocalPort(), tracked.localPort());
        assertEquals(dev.closewait.agent.tcp.Endpoint.of(InetAddress.getLoopbackAddress(), server.getLocalPort()), tracked.remote());

        socket.close();
        registry.closed(socket);
        GuardedSocket closedFirst = new GuardedSocket(server.getInetAddress(), server.getLocalPort());
        closedFirst.close();
        closedFirst.calls.set(0); // Socket's own close asks isClosed()
        registry.opened(closedFirst, ConnectionEvents.ORIGIN_CONNECT);
        assertEquals(0, registry.openCount(), "one closed before its event is not taken on");
        assertEquals(0, closedFirst.calls.get());
    }

    @Test
    void anAgentThatTurnedItselfOffForgetsEverySocketAndPeerItHeld() throws IOException {
        for (int i = 0; i < 3; i++) {
            openAndTrack();
        }
        assertEquals(3, registry.openCount());
        assertFalse(registry.remoteActivity().isEmpty());
        List<TrackedSocket> held = new ArrayList<>(registry.openSockets());

        registry.forgetAll();

        assertEquals(0, registry.openCount());
        assertTrue(registry.remoteActivity().isEmpty());
        assertTrue(held.stream().allMatch(socket -> socket.get() == null), "cleared: never queued when collected");
    }

    @Test
    void aBurstOfSocketsThatStayOpenAsksForAnEarlyPassOnceUntilThePassRuns() throws IOException {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        registry.internEarlyBy(asked::incrementAndGet);
        registry.internEarlyAfter(3, 0);
        openAndTrack();
        openAndTrack();
        assertEquals(0, asked.get(), "fewer open than the count since the last pass");
        openAndTrack();
        assertEquals(1, asked.get());
        openAndTrack();
        assertEquals(1, asked.get(), "asked once until the pass runs");
        registry.drainCollectedUnclosed(); // the scan's first step: the pass
        assertTrue(registry.openSockets().stream().noneMatch(TrackedSocket::holdsCreationThrowable));
        openAndTrack();
        openAndTrack();
        assertEquals(1, asked.get(), "the count starts again from the pass");
        openAndTrack();
        assertEquals(2, asked.get());

        registry.internEarlyAfter(3, SocketRegistry.EARLY_PASS_SPACING_NANOS);
        registry.drainCollectedUnclosed();
        for (int i = 0; i < 3; i++) {
            openAndTrack();
        }
        assertEquals(2, asked.get(), "not again within a second of the last early pass");
    }
}
