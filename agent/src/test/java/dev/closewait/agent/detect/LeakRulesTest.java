package dev.closewait.agent.detect;

import dev.closewait.agent.boot.ConnectionEvents;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.track.TrackedSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each verdict on its own, on real connected sockets given to a registry by hand. */
class LeakRulesTest {

    private static final long GRACE = 10_000;
    private static final long T0 = 1_000_000;

    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(T0), ZoneOffset.UTC);
    private final SocketRegistry registry = new SocketRegistry(clock);
    private ServerSocket server;
    private Socket socket;

    @BeforeEach
    void setUp() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    @AfterEach
    void tearDown() throws IOException {
        socket.close();
        server.close();
    }

    private TrackedSocket tracked(Object opened) {
        registry.opened(opened, ConnectionEvents.ORIGIN_CONNECT);
        return registry.openSockets().stream().filter(t -> t.get() == opened).findFirst().orElseThrow();
    }

    @Test
    void anOpenSocketIsALeakOnceItHasSatInCloseWaitForGrace() {
        TrackedSocket t = tracked(socket);
        assertFalse(LeakRules.isOpenLeak(t, T0, GRACE), "never seen in CLOSE_WAIT");
        t.observed(null, TcpState.CLOSE_WAIT, T0);
        assertFalse(LeakRules.isOpenLeak(t, T0 + GRACE - 1, GRACE), "1 ms short");
        assertTrue(LeakRules.isOpenLeak(t, T0 + GRACE, GRACE));
    }

    @Test
    void aSocketClosedBeforeTheVerdictIsNoOpenLeak() {
        TrackedSocket t = tracked(socket);
        t.observed(null, TcpState.CLOSE_WAIT, T0);
        registry.closed(socket);
        assertFalse(LeakRules.isOpenLeak(t, T0 + GRACE, GRACE));
    }

    @Test
    void aSocketOutlivingItsFailedJdbcConnectByGraceIsAbandonedWhateverItsState() {
        registry.jdbcConnectStarted(new Object(), "jdbc:x://db", null, null);
        TrackedSocket t = tracked(socket);
        registry.jdbcConnectEnded(null, new SQLException("Login failed", "28000", 18456));
        t.observed(null, TcpState.ESTABLISHED, T0);
        assertFalse(LeakRules.isAbandoned(t, T0 + GRACE - 1, GRACE));
        assertTrue(LeakRules.isAbandoned(t, T0 + GRACE, GRACE));
        assertTrue(LeakRules.isOpenLeak(t, T0 + GRACE, GRACE));
    }

    @Test
    void aCloseAfterGraceInCloseWaitOrOfAFindingIsLate() {
        TrackedSocket t = tracked(socket);
        t.observed(null, TcpState.CLOSE_WAIT, T0 - GRACE); // closed at T0 (the clock): exactly grace later
        registry.closed(socket);
        assertEquals(LeakStatus.CLOSED_LATE, LeakRules.afterClose(t, false, GRACE));
        assertEquals(LeakStatus.CLOSED_LATE, LeakRules.afterClose(t, true, GRACE * 2), "a finding's close is late");
        assertNull(LeakRules.afterClose(t, false, GRACE + 1), "in time");
    }

    @Test
    void aCollectedPlainSocketIsOrphanedOnlyOnceItsCleanerHadTimeToRun() {
        TrackedSocket t = tracked(socket);
        assertEquals(LeakStatus.RECLAIMED_BY_GC, LeakRules.afterCollection(t, false, T0));
        // unreachableAt is 0 here (never marked): the settle time is counted from it
        assertEquals(LeakStatus.ORPHANED, LeakRules.afterCollection(t, true, LeakRules.CLEANER_SETTLE_MILLIS));
        assertNull(LeakRules.afterCollection(t, true, LeakRules.CLEANER_SETTLE_MILLIS - 1));
    }

    @Test
    void aCollectedChannelStillInTheTableIsOrphanedAtOnce() throws IOException {
        try (SocketChannel channel = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                server.getLocalPort()))) {
            TrackedSocket t = tracked(channel);
            assertTrue(t.isChannel());
            assertEquals(LeakStatus.ORPHANED, LeakRules.afterCollection(t, true, 0));
        }
    }

    @Test
    void anOpenFindingClosedSinceIsReportedClosedLate() {
        assertEquals(LeakStatus.CLOSED_LATE, LeakRules.asReported(LeakStatus.OPEN, T0));
        assertEquals(LeakStatus.OPEN, LeakRules.asReported(LeakStatus.OPEN, Finding.NEVER));
        assertEquals(LeakStatus.ORPHANED, LeakRules.asReported(LeakStatus.ORPHANED, T0));
    }
}
