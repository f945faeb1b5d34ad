package dev.closewait.agent.tcp;

import dev.closewait.agent.boot.ConnectionEvents;
import dev.closewait.agent.track.SocketRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link PeerCloseWatch} on this machine's kernel, with real loopback sockets whose descriptors the
 * registry reads as the scanner does.
 */
class PeerCloseWatchTest {

    private PeerCloseWatch watch;
    private ServerSocket server;
    private final SocketRegistry registry = new SocketRegistry(Clock.systemUTC());

    @BeforeEach
    void setUp() throws IOException {
        StringBuilder why = new StringBuilder();
        if (NetlinkTcpTable.load(why::append) != null) {
            watch = PeerCloseWatch.open(why::append);
        }
        assumeTrue(watch != null, why::toString);
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void tearDown() throws IOException {
        if (watch != null) {
            watch.close();
            server.close();
        }
    }

    @Test
    void aFinIsHeardOnceAndAResetToo() throws Exception {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket peer = server.accept()) {
            assertEquals(0, watch.watch(descriptorOf(client)));
            assertEquals(0, watch.drain(), "an open connection: nothing to hear");
            peer.close();
            assertEquals(1, awaitEvents(), "the peer's FIN");
            assertEquals(0, watch.drain(), "heard once, however long it stays in CLOSE_WAIT");
            client.getOutputStream().write(1); // the peer's socket is closed: it answers with a reset
            assertEquals(1, awaitEvents(), "the reset");
        }
    }

    @Test
    void aChannelIsWatchedAndWatchingAgainArmsTheWatchAgain() throws Exception {
        try (SocketChannel client = SocketChannel.open(server.getLocalSocketAddress());
             Socket peer = server.accept()) {
            int fd = descriptorOf(client);
            assertEquals(0, watch.watch(fd));
            assertEquals(0, watch.watch(fd), "watched already: armed again, not refused");
            peer.close();
            assertEquals(1, awaitEvents());
            assertEquals(0, watch.watch(fd));
            assertEquals(1, watch.drain(), "armed again in CLOSE_WAIT: heard again");
        }
    }

    @Test
    void theWatchHoldsNoSocketAndItsOwnDescriptorClosesOnExec() throws Exception {
        Path info = Path.of("/proc/self/fdinfo/" + watch.descriptor());
        assumeTrue(Files.isReadable(info), "no /proc/self/fdinfo here");
        int fd;
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket peer = server.accept()) {
            fd = descriptorOf(client);
            assertEquals(0, watch.watch(fd));
            assertTrue(Files.readString(info).contains("tfd: " + pad(fd)), () -> read(info));
        }
        assertFalse(Files.readString(info).contains("tfd: " + pad(fd)), "the socket closed: its watch went with it");
        assertEquals(9, watch.watch(fd), "EBADF: a closed descriptor");
        String flags = Files.readAllLines(info).stream().filter(line -> line.startsWith("flags:")).findFirst().orElseThrow();
        assertNotEquals(0, Integer.parseInt(flags.substring(6).trim(), 8) & 02000000, "O_CLOEXEC: " + flags);
    }

    @Test
    void offWithItsProperty() {
        StringBuilder why = new StringBuilder();
        System.setProperty(PeerCloseWatch.PROPERTY, "false");
        try {
            assertEquals(null, PeerCloseWatch.open(why::append));
            assertEquals("-D" + PeerCloseWatch.PROPERTY + "=false", why.toString());
        } finally {
            System.clearProperty(PeerCloseWatch.PROPERTY);
        }
    }

    private int awaitEvents() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int events;
        while ((events = watch.drain()) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        return events;
    }

    private int descriptorOf(Object socket) {
        registry.opened(socket, ConnectionEvents.ORIGIN_CONNECT);
        int fd = registry.descriptorOf(registry.openSockets().stream().filter(t -> t.get() == socket).findFirst()
                .orElseThrow());
        assertTrue(fd > 2, "a descriptor: " + fd);
        return fd;
    }

    /** fdinfo prints each watched descriptor right-aligned in a field of 8, then its events. */
    private static String pad(int fd) {
        return String.format("%8d events", fd);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
