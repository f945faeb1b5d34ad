package dev.closewait.agent.detect;

import dev.closewait.agent.report.TextReport;
import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpConnection;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.testing.MovableClock;
import dev.closewait.agent.testing.SettableTable;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.track.StackFrames;
import dev.closewait.sample.App;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The picture beyond this JVM's leaks: peers that never finish closing (FIN_WAIT_2), port pressure
 * per remote, and the time series, from real sockets fed to the registry by application code
 * ({@link App}), a table whose rows the test sets, and a clock the test moves.
 */
class PictureTest {

    private static final long GRACE = 10_000;

    private final MovableClock clock = new MovableClock();
    private final SettableTable table = new SettableTable();
    private final List<Socket> sockets = new ArrayList<>();
    private SocketRegistry registry;
    private CloseWaitScanner scanner;
    private ServerSocket server;

    @BeforeEach
    void setUp() throws IOException {
        registry = new SocketRegistry(clock);
        scanner = new CloseWaitScanner(registry, table, clock, GRACE, 1000, new StackFrames(), warning -> { });
        server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void tearDown() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        server.close();
    }

    @Test
    void aClosedConnectionWhosePeerNeverSendsItsFinIsListedPerRemoteWithTheStacksThatOpenedAndClosedIt()
            throws IOException {
        Socket first = connect();
        App.close(registry, first);
        table.add(orphan(first, TcpState.FIN_WAIT2));
        assertTrue(scanner.scan().newPeers().isEmpty(), "seen once, it may be a close whose FIN is on its way: not news");
        ScanOutcome outcome = scanner.scan();
        assertEquals(1, outcome.newPeers().size(), "still there at the next scan: a peer that does not finish closing");
        assertTrue(outcome.hasChanges(), "news rewrites the report");

        PeerNotClosing peer = scanner.report(1).peersNotClosing().get(0);
        assertTrue(peer.seenBefore(), "the report says two scans saw it");
        assertEquals(remote(first), peer.remote());
        assertFalse(peer.accepted());
        assertEquals(1, peer.count());
        assertEquals(0, peer.halfClosed(), "closed, not half-closed");
        assertTrue(peer.openedBy().stream().anyMatch(frame -> frame.contains("App.connect")), peer.openedBy()::toString);
        assertNull(peer.closedBy(), "closes keep no stack until a peer there is seen not to finish closing");
        assertTrue(scanner.scan().newPeers().isEmpty(), "said once while it lasts");

        Socket second = connect();
        App.close(registry, second);
        table.add(orphan(second, TcpState.FIN_WAIT2));
        peer = onlyPeer(scanner.scan());
        assertEquals(2, peer.count());
        assertNotNull(peer.closedBy(), "from then on, closes towards that remote keep their stack");
        assertTrue(peer.closedBy().stream().anyMatch(frame -> frame.contains("App.close")), peer.closedBy()::toString);
        assertEquals(2, scanner.counts().peersNotClosing(), "the MBean's count");

        String line = TextReport.DEFAULT.peerNotClosing(peer, clock.millis());
        assertTrue(line.contains("peer " + remote(first) + " does not finish closing: 2 connections this JVM closed"
                + " are in FIN_WAIT_2"), line);
        assertTrue(line.contains("closed by the application at dev.closewait.sample.App.close"), line);

        table.clear();
        scanner.scan();
        assertTrue(scanner.report(1).peersNotClosing().isEmpty(), "gone from the table, gone from the report");
        table.add(orphan(first, TcpState.FIN_WAIT2));
        assertTrue(scanner.scan().newPeers().isEmpty(), "back after it cleared, seen once");
        assertEquals(1, scanner.scan().newPeers().size(), "back after it cleared and still there: news again");
    }

    @Test
    void closesInProgressAreNeitherNewsNorAReasonToKeepCloseStacks() throws IOException {
        for (int i = 0; i < 3; i++) {
            Socket closing = connect();
            App.close(registry, closing);
            table.clear();
            table.add(orphan(closing, TcpState.FIN_WAIT2)); // each scan catches another close, its FIN on the way
            ScanOutcome outcome = scanner.scan();
            assertTrue(outcome.newPeers().isEmpty(), "a row no scan saw before is no peer failing to close");
            PeerNotClosing peer = onlyPeer(outcome);
            assertEquals(1, peer.count(), "yet the report lists what the table holds");
            assertFalse(peer.seenBefore(), "and says that only this scan saw it");
            assertNull(peer.closedBy(), "and closes keep no stack: no row towards that peer outlived a scan");
        }
    }

    @Test
    void rowsOfOtherProcessesAreNotThisJvmsPeers() throws IOException {
        Socket mine = connect();
        App.close(registry, mine);
        Endpoint other = Endpoint.of(InetAddress.getLoopbackAddress(), server.getLocalPort());
        int unusedPort = mine.getLocalPort() == 65000 ? 65001 : 65000;
        table.add(new TcpConnection(Endpoint.of(InetAddress.getLoopbackAddress(), unusedPort), other, TcpState.FIN_WAIT2,
                TcpConnection.NO_INODE, -1));
        table.add(new TcpConnection(local(mine), remote(mine), TcpState.FIN_WAIT2, 4242, -1));
        table.add(new TcpConnection(local(mine), Endpoint.of(InetAddress.getLoopbackAddress(), 1), TcpState.FIN_WAIT2,
                TcpConnection.NO_INODE, -1));
        scanner.scan();
        assertTrue(scanner.report(1).peersNotClosing().isEmpty(),
                "a port this JVM did not use there, a descriptor it does not own, a remote it never connected to");
    }

    @Test
    void aHalfClosedSocketTheApplicationStillOwnsIsNamedWithItsStackOncePastGrace() throws IOException {
        Socket halfClosed = connect();
        table.add(halfClosed, TcpState.FIN_WAIT2);
        PeerNotClosing peer = onlyPeer(scanner.scan());
        assertEquals(1, peer.halfClosed());
        assertTrue(peer.sockets().isEmpty(), "not named before grace");

        clock.advance(GRACE);
        peer = onlyPeer(scanner.scan());
        assertEquals(1, peer.sockets().size());
        PeerNotClosing.HalfClosed named = peer.sockets().get(0);
        assertEquals(local(halfClosed), named.local());
        assertEquals(clock.millis() - GRACE, named.since(), "since the first scan that saw it");
        assertTrue(named.stack().stream().anyMatch(frame -> frame.contains("App.connect")), named.stack()::toString);
        assertTrue(scanner.report(1).leaks().isEmpty(), "FIN_WAIT_2 is the peer's fault, not a CLOSE_WAIT leak");
        String text = TextReport.DEFAULT.peerNotClosing(peer, clock.millis());
        assertTrue(text.contains("1 of them only shut down for output and still open"), text);
        assertTrue(text.matches("(?s).*#\\d+ +half-closed " + java.util.regex.Pattern.quote(local(halfClosed).toString())
                + " +dev\\.closewait\\.sample\\.App\\.connect.*"), text);
    }

    @Test
    void aServersClientsThatDoNotFinishClosingAreGroupedByClientHost() throws IOException {
        List<Socket> accepted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sockets.add(new Socket(server.getInetAddress(), server.getLocalPort()));
            accepted.add(App.accept(registry, server));
        }
        for (Socket socket : accepted) {
            App.close(registry, socket);
            table.add(orphan(socket, TcpState.FIN_WAIT2));
        }
        PeerNotClosing peer = onlyPeer(scanner.scan());
        assertTrue(peer.accepted());
        assertEquals(0, peer.remote().port(), "the client host, whichever port it connects from");
        assertEquals("127.0.0.1", peer.remote().host());
        assertEquals(3, peer.count());
        String line = TextReport.DEFAULT.peerNotClosing(peer, clock.millis());
        assertTrue(line.startsWith("[closewait] client 127.0.0.1 does not finish closing: 3 connections this server"
                + " closed are in FIN_WAIT_2"), line);
        assertTrue(scanner.report(1).portPressure().isEmpty(), "an accepted connection takes no ephemeral port");
    }

    @Test
    void portPressureCountsThisJvmsTimeWaitRowsAndWarnsPastHalfTheRangeNamingTheStackThatOpensMost()
            throws IOException {
        scanner.usePortRange(() -> 40); // a scaled range: the real one needs thousands of connections
        List<Socket> churned = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            churned.add(connect());
        }
        for (Socket socket : churned) {
            App.close(registry, socket);
            table.add(orphan(socket, TcpState.TIME_WAIT));
        }
        table.add(new TcpConnection(Endpoint.of(InetAddress.getLoopbackAddress(), 1), remote(churned.get(0)),
                TcpState.TIME_WAIT, TcpConnection.NO_INODE, -1)); // a port this JVM never used: not counted
        Socket open = connect();
        scanner.scan();
        PortPressureEntry entry = onlyEntry();
        assertEquals(remote(open), entry.remote());
        assertEquals(16, entry.timeWait());
        assertEquals(1, entry.established());
        assertEquals(17, entry.portsInUse());
        assertNull(entry.warning(), "17 of 40: under half");

        clock.advance(60_000);
        for (int i = 0; i < 8; i++) {
            Socket more = connect();
            App.close(registry, more);
            table.add(orphan(more, TcpState.TIME_WAIT));
        }
        ScanOutcome outcome = scanner.scan();
        entry = onlyEntry();
        assertEquals(24, entry.timeWait(), "rising with the churn");
        assertEquals(25, entry.portsInUse());
        assertEquals(8.0, entry.opensPerMinute(), 0.01, "8 opens in the last minute");
        assertNotNull(entry.warning(), "25 of 40: past half");
        assertTrue(entry.warning().startsWith("25 of 40 ephemeral ports in use (63 %); at 8 opens a minute they run"
                + " out in about 2 min"), entry.warning());
        assertEquals(List.of(entry.remote()), outcome.newWarnings().stream().map(PortPressureEntry::remote).toList());
        assertTrue(entry.topStacks().get(0).stack().stream().anyMatch(frame -> frame.contains("App.connect")));
        assertEquals(1, scanner.counts().portPressureWarnings());
        assertEquals(25 / 40.0, scanner.counts().maxPortShare(), 1e-9);

        String line = TextReport.DEFAULT.portPressure(entry);
        assertTrue(line.startsWith("[closewait] WARNING port pressure towards " + entry.remote() + ": 25 of 40"), line);
        assertTrue(line.contains("[1 ESTABLISHED, 0 CLOSE_WAIT, 0 FIN_WAIT_2, 24 TIME_WAIT]"), line);
        assertTrue(line.contains("opened most at dev.closewait.sample.App.connect"), line);
        assertTrue(TextReport.DEFAULT.summary(scanner.report(1), null).contains(line), "a line at the end of the summary");
        assertTrue(scanner.scan().newWarnings().isEmpty(), "a warning is news once while it lasts");
    }

    @Test
    void theOpenSocketsOfATestAreLookedUpWithoutTimeWaitRows() throws IOException {
        Socket open = connect();
        table.add(open, TcpState.ESTABLISHED);
        List<Finding> after = scanner.openSocketsAfter(0);
        assertEquals(1, after.size());
        assertEquals(TcpState.ESTABLISHED, after.get(0).state());
        java.util.Set<TcpState> asked = table.asked().get(table.asked().size() - 1);
        assertTrue(asked.contains(TcpState.ESTABLISHED) && !asked.contains(TcpState.TIME_WAIT), asked::toString);
    }

    @Test
    void thePortRangeIsReadAtMostOnceAMinute() throws IOException {
        int[] reads = new int[1];
        scanner.usePortRange(() -> {
            reads[0]++;
            return 1000;
        });
        connect();
        for (int scan = 0; scan < 5; scan++) {
            scanner.scan();
            clock.advance(10_000);
        }
        assertEquals(1000, onlyEntry().portRange());
        assertEquals(1, reads[0], "five scans with port pressure due within a minute");
        clock.advance(Picture.PORT_RANGE_EVERY_MILLIS);
        connect(); // active again
        scanner.scan();
        assertEquals(2, reads[0], "read again once a minute has passed");
    }

    @Test
    void portPressureCountsTheOpenSocketsAgainOnceOneClosedThoughNoneOpened() throws IOException {
        connect();
        Socket second = connect();
        connect();
        scanner.scan();
        assertEquals(3, onlyEntry().established());
        scanner.scan();
        assertEquals(3, onlyEntry().established(), "the same sockets: the same count");

        App.close(registry, second); // no socket opened since
        scanner.scan();
        assertEquals(2, onlyEntry().established());
    }

    @Test
    void portPressureThatMovesRewritesTheReportAtMostOncePerPictureInterval() throws IOException {
        scanner.usePortRange(() -> 100); // a step of 1 % is one port
        Socket first = connect();
        App.close(registry, first);
        table.add(orphan(first, TcpState.TIME_WAIT));
        assertTrue(scanner.scan().hasChanges(), "the first ports held towards a remote: the file shows them");
        assertEquals(1, onlyEntry().timeWait());

        Socket second = connect();
        App.close(registry, second);
        table.add(orphan(second, TcpState.TIME_WAIT));
        assertFalse(scanner.scan().hasChanges(), "more ports within the picture's interval: not yet");
        assertEquals(2, onlyEntry().timeWait(), "the live report has them at once");

        clock.advance(Picture.EVERY_MILLIS);
        assertTrue(scanner.scan().hasChanges(), "the interval passed: the file is rewritten with the rise");
        clock.advance(Picture.EVERY_MILLIS);
        assertFalse(scanner.scan().hasChanges(), "the same ports, only the rates drift: nothing to rewrite");
    }

    @Test
    void aSeriesThatMovedWithinThePictureIntervalIsWrittenOnceItPasses() throws IOException {
        Socket first = connect();
        App.close(registry, first);
        table.add(orphan(first, TcpState.FIN_WAIT2));
        scanner.scan();
        assertTrue(scanner.scan().hasChanges(), "a new peer not closing: news");
        Socket second = connect();
        App.close(registry, second);
        table.add(orphan(second, TcpState.FIN_WAIT2));
        assertFalse(scanner.scan().hasChanges(), "a second one within the interval: not yet");
        clock.advance(Picture.EVERY_MILLIS);
        assertTrue(scanner.scan().hasChanges(), "nothing moved since, yet the file still shows one: written now");
        assertFalse(scanner.scan().hasChanges(), "written: nothing pending");
    }

    @Test
    void anIdleProcessReadsNoTimeWaitRows() throws IOException {
        App.close(registry, connect());
        scanner.scan();
        assertTrue(table.asked().get(table.asked().size() - 1).contains(TcpState.TIME_WAIT), "just active");
        clock.advance(10 * 60_000);
        scanner.scan();
        assertTrue(table.asked().size() == 1 || !table.asked().get(table.asked().size() - 1).contains(TcpState.TIME_WAIT),
                "quiet for minutes, nothing open: no TIME_WAIT rows read (" + table.asked() + ")");
    }

    @Test
    void socketsWatchedByInodeAreLookedUpWithoutTheTimeWaitRowsThatHaveNoDescriptor() throws IOException {
        Endpoint remote = Endpoint.of(InetAddress.getLoopbackAddress(), 5432);
        table.add(new TcpConnection(Endpoint.of(InetAddress.getLoopbackAddress(), 40_001), remote, TcpState.CLOSE_WAIT, 42, -1));
        for (int port = 40_002; port < 40_100; port++) {
            table.add(new TcpConnection(Endpoint.of(InetAddress.getLoopbackAddress(), port), remote, TcpState.TIME_WAIT,
                    TcpConnection.NO_INODE, -1));
        }
        assertEquals(1, scanner.adoptPreexisting(java.util.Set.of(42L)), "the socket open before the attach");
        assertFalse(table.asked().get(0).contains(TcpState.TIME_WAIT), "taken on by inode: " + table.asked());
        scanner.scan(); // first seen in CLOSE_WAIT
        clock.advance(10 * 60_000); // past grace, and quiet: no port pressure due
        ScanOutcome past = scanner.scan();
        assertEquals(1, past.found().size(), "found by its inode: " + table.asked());
        assertEquals(dev.closewait.agent.track.Origin.BEFORE_ATTACH, past.found().get(0).origin());
        java.util.Set<TcpState> last = table.asked().get(table.asked().size() - 1);
        assertTrue(last.contains(TcpState.ESTABLISHED) && last.contains(TcpState.CLOSE_WAIT), last::toString);
        assertFalse(last.contains(TcpState.TIME_WAIT), "no port pressure due, so no TIME_WAIT rows: " + table.asked());
    }

    @Test
    void theTimeSeriesHasAPointPerScanPerRemoteAndComesDownWhenTheSocketsGo() throws IOException {
        Socket leaked = connect();
        table.add(leaked, TcpState.CLOSE_WAIT);
        scanner.scan();
        clock.advance(1000);
        table.clear();
        registry.closed(leaked);
        leaked.close();
        scanner.scan();
        List<RemoteSeries> series = scanner.report(1).series();
        assertEquals(1, series.size());
        assertEquals(remote(leaked), series.get(0).remote());
        assertEquals(2, series.get(0).points().size());
        assertEquals(List.of(1L, 0L), List.of(series.get(0).points().get(0)[1], series.get(0).points().get(0)[2]));
        assertEquals(0, series.get(0).points().get(1)[1], "its line comes down");
        assertEquals(clock.millis(), series.get(0).points().get(1)[0]);
    }

    /** The one peer of the report, after {@code scan}. */
    private PeerNotClosing onlyPeer(ScanOutcome scan) {
        List<PeerNotClosing> peers = scanner.report(1).peersNotClosing();
        assertEquals(1, peers.size(), peers::toString);
        return peers.get(0);
    }

    private PortPressureEntry onlyEntry() {
        List<PortPressureEntry> entries = scanner.report(1).portPressure();
        assertEquals(1, entries.size(), entries::toString);
        return entries.get(0);
    }

    private Socket connect() throws IOException {
        Socket socket = App.connect(registry, server);
        sockets.add(socket);
        sockets.add(server.accept());
        return socket;
    }

    /** The kernel's row of a socket no process holds any more (inode 0): closed, in {@code state}. */
    private static TcpConnection orphan(Socket socket, TcpState state) {
        return new TcpConnection(local(socket), remote(socket), state, TcpConnection.NO_INODE, -1);
    }

    private static Endpoint local(Socket socket) {
        return Endpoint.of(socket.getLocalAddress(), socket.getLocalPort());
    }

    private static Endpoint remote(Socket socket) {
        return Endpoint.of(socket.getInetAddress(), socket.getPort());
    }
}
