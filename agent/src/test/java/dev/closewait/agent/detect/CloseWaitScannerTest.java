package dev.closewait.agent.detect;

import dev.closewait.agent.boot.ConnectionEvents;
import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.ProcessSockets;
import dev.closewait.agent.tcp.TcpConnection;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.tcp.TcpTable;
import dev.closewait.agent.detect.LeakStatus;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.testing.MovableClock;
import dev.closewait.agent.track.StackFrames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.DatagramChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The detection rules, with real connected sockets fed to the registry by hand, a TCP table whose
 * rows the test sets, and a clock the test moves: no timing luck involved.
 */
class CloseWaitScannerTest {

    private static final long GRACE = 10_000;

    private final MovableClock clock = new MovableClock();
    private final SettableTable table = new SettableTable();
    private final List<String> warnings = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();
    private SocketRegistry registry;
    private CloseWaitScanner scanner;
    private ServerSocket server;

    @BeforeEach
    void setUp() throws IOException {
        registry = new SocketRegistry(clock);
        scanner = new CloseWaitScanner(registry, table, clock, GRACE, 1000, new StackFrames(), warnings::add);
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void tearDown() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        server.close();
    }

    @Test
    void socketInCloseWaitBecomesOpenFindingOnceGraceHasPassed() throws IOException {
        Socket socket = connect();
        table.closeWait(socket);
        assertTrue(scanner.scan().found().isEmpty(), "first seen in CLOSE_WAIT: not yet a leak");
        clock.advance(GRACE - 1);
        assertTrue(scanner.scan().found().isEmpty(), "1 ms short of grace");
        clock.advance(1);
        ScanOutcome outcome = scanner.scan();
        assertEquals(1, outcome.found().size());
        Finding leak = outcome.found().get(0);
        assertEquals(LeakStatus.OPEN, leak.status());
        assertEquals(TcpState.CLOSE_WAIT, leak.state());
        assertEquals(socket.getLocalPort(), leak.local().port());
        // This test lives under dev.closewait.agent., so its own frames are removed as the agent's.
        assertFalse(leak.stack().isEmpty());
        assertTrue(leak.stack().stream().noneMatch(f -> f.contains("dev.closewait.agent.")), leak.stack()::toString);
        assertTrue(scanner.scan().found().isEmpty(), "a finding is reported once");
    }

    @Test
    void theLastScanAtExitReportsASocketInCloseWaitWhateverGraceSays() throws IOException {
        Socket leaked = connect();
        Socket closedInTime = connect();
        table.closeWait(leaked);
        table.closeWait(closedInTime);
        scanner.scan();
        clock.advance(1000); // far less than grace
        registry.closed(closedInTime);
        ScanOutcome last = scanner.scanAtExit();
        assertEquals(1, last.found().size(), "only the socket still open");
        Finding atExit = last.found().get(0);
        assertEquals(leaked.getLocalPort(), atExit.local().port());
        assertEquals(LeakStatus.OPEN, atExit.status());
        assertTrue(atExit.atExit());
        assertTrue(scanner.report(1).leaks().get(0).atExit());
    }

    @Test
    void anOrdinaryScanBeforeGraceReportsNothingAndItsFindingsAreNotAtExit() throws IOException {
        Socket socket = connect();
        table.closeWait(socket);
        scanner.scan();
        clock.advance(1000);
        assertFalse(scanner.scan().hasChanges(), "grace has not passed");
        clock.advance(GRACE);
        Finding found = scanner.scan().found().get(0);
        assertFalse(found.atExit());
        assertFalse(scanner.scanAtExit().hasChanges(), "a finding already is not found again at exit");
    }

    @Test
    void findingsPastTheCapAreCountedPerStackAndRemoteOnceAndNeverListed() throws IOException {
        CloseWaitScanner capped = new CloseWaitScanner(registry, table, clock, GRACE, 2, new StackFrames(), warnings::add);
        List<Socket> leaked = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            leaked.add(connect()); // one line: one creation stack
            table.closeWait(leaked.get(i));
        }
        capped.scan();
        clock.advance(GRACE);
        ScanOutcome first = capped.scan();
        assertEquals(2, first.found().size(), "two listed");
        LeakReport report = capped.report(1);
        assertEquals(2, report.leaks().size());
        assertEquals(3, report.dropped());
        assertEquals(1, report.droppedGroups().size(), "one stack, one remote: " + report.droppedGroups());
        assertEquals(3, report.droppedGroups().get(0).count());
        assertEquals(server.getLocalPort(), dev.closewait.agent.tcp.Endpoint.parse(report.droppedGroups().get(0).remote()).port());

        clock.advance(GRACE);
        assertFalse(capped.scan().hasChanges(), "counted once, not judged again");
        for (Socket socket : leaked) {
            registry.closed(socket);
        }
        ScanOutcome closed = capped.scan();
        assertEquals(2, closed.changed().size(), "the listed two are closed late");
        assertTrue(closed.found().isEmpty(), "the unlisted ones are not found again when closed");
        assertEquals(3, capped.report(1).dropped());
        assertEquals(2, capped.counts().withStatus(LeakStatus.CLOSED_LATE));
        assertEquals(3, capped.counts().dropped());
    }

    @Test
    void theFindingsOfOneScanAreListedInTheOrderTheirSocketsWereTrackedAndACapListsTheFirst() throws IOException {
        CloseWaitScanner capped = new CloseWaitScanner(registry, table, clock, GRACE, 5, new StackFrames(), warnings::add);
        for (int i = 0; i < 8; i++) {
            table.closeWait(connect());
        }
        capped.scan();
        clock.advance(GRACE);
        List<Long> ids = capped.scan().found().stream().map(Finding::id).collect(java.util.stream.Collectors.toList());
        List<Long> tracked = registry.openSockets().stream().map(dev.closewait.agent.track.TrackedSocket::id).sorted()
                .collect(java.util.stream.Collectors.toList());
        assertEquals(tracked.subList(0, 5), ids, "the first five tracked, in order; the open map's order is its hashes'");
        assertEquals(ids, capped.report(1).leaks().stream().map(Finding::id).collect(java.util.stream.Collectors.toList()));
        assertEquals(3, capped.report(1).dropped());
    }

    @Test
    void aScanThatOnlyCountsFindingsPastTheCapStillAsksForTheReportToBeRewritten() throws IOException {
        CloseWaitScanner capped = new CloseWaitScanner(registry, table, clock, GRACE, 1, new StackFrames(), warnings::add);
        Socket listed = connect();
        table.closeWait(listed);
        capped.scan();
        clock.advance(GRACE);
        assertEquals(1, capped.scan().found().size());
        Socket pastTheCap = connect();
        table.closeWait(pastTheCap);
        capped.scan();
        clock.advance(GRACE);
        ScanOutcome counted = capped.scan();
        assertTrue(counted.found().isEmpty() && counted.changed().isEmpty());
        assertTrue(counted.hasChanges(), "summary.dropped moved from 0 to 1: the report file must say so");
        assertEquals(1, capped.report(1).dropped());
        assertFalse(capped.scan().hasChanges(), "nothing moved since");
    }

    @Test
    void countsAnswerWhileAScanHoldsTheScannerWithTheFindingsOfTheLastScanAndLiveSocketCounts() throws Exception {
        Socket leaked = connect();
        table.closeWait(leaked);
        scanner.scan();
        clock.advance(GRACE);
        scanner.scan();
        Socket opened = connect();
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread longScan = new Thread(() -> {
            synchronized (scanner) { // as a scan of a leak storm does
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        longScan.start();
        holding.await();
        try {
            LeakCounts counts = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                    java.time.Duration.ofSeconds(2), scanner::counts, "counts waited for the scan");
            assertEquals(1, counts.listed());
            assertEquals(1, counts.withStatus(LeakStatus.OPEN));
            assertEquals(registry.trackedCount(), counts.tracked(), "the socket opened since the scan is counted");
            assertEquals(2, counts.open());
        } finally {
            release.countDown();
            longScan.join();
        }
        registry.closed(opened);
    }

    @Test
    void socketClosedWithinGraceIsNoFinding() throws IOException {
        Socket socket = connect();
        table.closeWait(socket);
        scanner.scan();
        clock.advance(GRACE - 1);
        socket.close();
        registry.closed(socket); // what the instrumented close() does
        table.clear();
        clock.advance(GRACE);
        ScanOutcome outcome = scanner.scan();
        assertFalse(outcome.hasChanges());
        assertTrue(scanner.report(1).leaks().isEmpty());
        assertEquals(0, scanner.report(1).open());
    }

    @Test
    void socketClosedAfterGraceIsClosedLateEvenIfNoScanSawItAsLeak() throws IOException {
        Socket socket = connect();
        table.closeWait(socket);
        scanner.scan();
        clock.advance(GRACE);
        registry.closed(socket);
        ScanOutcome outcome = scanner.scan();
        assertEquals(1, outcome.found().size());
        assertEquals(LeakStatus.CLOSED_LATE, outcome.found().get(0).status());
        assertEquals(clock.millis(), outcome.found().get(0).closedAt());
    }

    @Test
    void openFindingClosedBeforeTheNextScanIsShownClosedLateNeverOpenWithCloseTime() throws IOException {
        Socket socket = connect();
        table.closeWait(socket);
        scanner.scan();
        clock.advance(GRACE);
        assertEquals(LeakStatus.OPEN, scanner.scan().found().get(0).status());
        clock.advance(500);
        registry.closed(socket);
        Finding shown = scanner.report(1).leaks().get(0);
        assertEquals(LeakStatus.CLOSED_LATE, shown.status(), "closed between two scans");
        ScanOutcome next = scanner.scan();
        assertEquals(1, next.changed().size(), "the scan still reports the change, for the log");
        assertEquals(LeakStatus.CLOSED_LATE, next.changed().get(0).status());
    }

    @Test
    void establishedSocketsAndOtherProcessesRowsAreNoFindings() throws IOException {
        Socket socket = connect();
        table.add(new TcpConnection(Endpoint.of(socket.getLocalAddress(), socket.getLocalPort()),
                Endpoint.of(socket.getInetAddress(), socket.getPort()), TcpState.ESTABLISHED, 1, -1));
        table.add(new TcpConnection(Endpoint.of(InetAddress.getLoopbackAddress(), 40000),
                Endpoint.of(InetAddress.getLoopbackAddress(), 5432), TcpState.CLOSE_WAIT, 2, -1));
        scanner.scan();
        clock.advance(GRACE * 10);
        assertFalse(scanner.scan().hasChanges());
        assertEquals(1, scanner.report(1).open());
    }

    @Test
    void tableIsReadWhileSomeTrackedSocketIsOpenAndOtherwiseEvery30s() throws IOException {
        scanner.scan();
        assertEquals(1, table.reads, "the first scan reads, for sockets opened out of the agent's sight");
        clock.advance(100);
        scanner.scan();
        assertEquals(1, table.reads, "nothing tracked, nothing seen: the kernel's table is not read");
        Socket socket = connect();
        scanner.scan();
        assertEquals(2, table.reads, "an open socket: the table is read");
        socket.close();
        registry.closed(socket);
        scanner.scan();
        assertEquals(3, table.reads, "just closed: the table is read for the peers that do not finish closing");
        clock.advance(150_000);
        scanner.scan();
        assertEquals(4, table.reads, "closed and quiet since: the idle read");
        clock.advance(CloseWaitScanner.IDLE_READ_MILLIS - 1);
        scanner.scan();
        assertEquals(4, table.reads, "not again within 30 s");
    }

    @Test
    void portPressureReadsTimeWaitRowsEveryTenthScanWhileTheLatestReadsOfThemAreAllSlow() throws IOException {
        connect(); // opened just now: while the JVM opens connections, port pressure is due
        scanTimes(5);
        assertEquals(5, table.timeWaitReads, "cheap reads: every scan reads the TIME_WAIT rows");
        table.timeWaitReadNanos = 3_000_000; // the namespace grew: a read with TIME_WAIT takes 3 ms now
        scanTimes(3);
        assertEquals(8, table.timeWaitReads, "one of the last three reads was cheap still");
        scanTimes(20);
        assertEquals(10, table.timeWaitReads, "the last three were slow: every tenth scan, not every scan as"
                + " the cheap reads of the JVM's first connections would have it");
        table.timeWaitReadNanos = 0;
        scanTimes(10);
        assertEquals(11, table.timeWaitReads, "the tenth scan reads, and finds it cheap again");
        scanTimes(5);
        assertEquals(16, table.timeWaitReads, "cheap again: every scan");
    }

    private void scanTimes(int scans) {
        for (int i = 0; i < scans; i++) {
            scanner.scan();
        }
    }

    @Test
    void unreadableTableIsSaidOnceAndTrackingGoesOn() throws IOException {
        table.fail = true;
        connect();
        scanner.scan();
        scanner.scan();
        assertEquals(1, warnings.size(), warnings::toString);
        assertTrue(warnings.get(0).contains("cannot read the TCP table"), warnings.get(0));
        assertEquals(1, scanner.report(1).open());
    }

    @Test
    void noTableAtAllIsSaidOnceAtStart() {
        List<String> said = new ArrayList<>();
        CloseWaitScanner blind = new CloseWaitScanner(registry, null, clock, GRACE, 1000, new StackFrames(), said::add);
        blind.scan();
        blind.scan();
        assertEquals(1, said.size());
        assertTrue(said.get(0).contains("CLOSE_WAIT cannot be detected"), said.get(0));
    }

    @Test
    void socketStillEstablishedGraceAfterItsJdbcConnectionWasClosedIsAbandoned() throws IOException {
        Object physicalConnection = new Object();
        registry.jdbcConnectStarted(new Object(), "jdbc:x://db?password=pw", null, null);
        Socket socket = connect();
        registry.jdbcConnectEnded(physicalConnection, null);
        table.add(new TcpConnection(Endpoint.of(socket.getLocalAddress(), socket.getLocalPort()),
                Endpoint.of(socket.getInetAddress(), socket.getPort()), TcpState.ESTABLISHED, 9, -1));
        assertFalse(scanner.scan().hasChanges(), "an open JDBC connection's socket is fine");

        registry.jdbcClosed(physicalConnection); // the driver "forgot" to close the socket
        long closedAt = clock.millis();
        clock.advance(GRACE - 1);
        assertFalse(scanner.scan().hasChanges(), "within grace");
        clock.advance(1);
        ScanOutcome outcome = scanner.scan();
        assertEquals(1, outcome.found().size());
        Finding leak = outcome.found().get(0);
        assertEquals(LeakStatus.OPEN, leak.status());
        assertEquals(TcpState.ESTABLISHED, leak.state(), "whatever its TCP state");
        assertEquals(Finding.NEVER, leak.closeWaitSince());
        assertEquals(closedAt, leak.jdbc().connectionClosedAt());
        assertEquals("jdbc:x://db?password=****", leak.jdbc().url());
    }

    @Test
    void socketLeftOpenByAFailedConnectIsAFindingWithTheConnectError() throws IOException {
        registry.jdbcConnectStarted(new Object(), "jdbc:x://db", null, null);
        Socket socket = connect();
        registry.jdbcConnectEnded(null, new java.sql.SQLException("Login failed for user 'app'.", "S0001", 18456));
        // The kernel shows it established: the finding comes from the failed connect, not from CLOSE_WAIT.
        table.add(new TcpConnection(Endpoint.of(socket.getLocalAddress(), socket.getLocalPort()),
                Endpoint.of(socket.getInetAddress(), socket.getPort()), TcpState.ESTABLISHED, 1, -1));
        clock.advance(GRACE);
        ScanOutcome outcome = scanner.scan();
        assertEquals(1, outcome.found().size());
        Finding leak = outcome.found().get(0);
        assertEquals(socket.getLocalPort(), leak.local().port(), "the socket the failed connect left open");
        assertEquals(TcpState.ESTABLISHED, leak.state());
        assertEquals(18456, leak.jdbc().connectError().errorCode());
        assertEquals(1, scanner.report(1).jdbcConnectFailures().size());
    }

    @Test
    void failedConnectsOfMoreUrlsThanTheReportListsAreAllCounted() {
        int pairs = 1_200;
        for (int i = 0; i < pairs; i++) {
            registry.jdbcConnectStarted(new Object(), "jdbc:x://db/shop" + i, null, null);
            registry.jdbcConnectEnded(null, new java.sql.SQLException("database shop" + i + " does not exist", "3D000"));
        }

        assertEquals(1_000, scanner.report(1).jdbcConnectFailures().size(), "the report lists at most 1,000 pairs");
        assertEquals(pairs, scanner.counts().jdbcConnectFailures(), "the count has every failure");
    }

    @Test
    void socketClosedByTheDriverWhenTheConnectFailedIsNoFindingButTheFailureIsCounted() throws IOException {
        registry.jdbcConnectStarted(new Object(), "jdbc:x://db", null, null);
        Socket socket = connect();
        registry.closed(socket); // the driver closes its socket, then throws
        registry.jdbcConnectEnded(null, new java.sql.SQLException("Login failed", "28P01", 0));
        clock.advance(GRACE * 2);
        assertFalse(scanner.scan().hasChanges());
        assertEquals("28P01", scanner.report(1).jdbcConnectFailures().get(0).lastError().sqlState());
    }

    @Test
    void aSocketThatReachesCloseWaitAfterScansOfTheRememberedSocketsOnlyIsFound() throws IOException {
        Socket first = connect();
        Socket second = connect();
        table.closeWait(first);
        for (int i = 0; i < 4; i++) { // passes over every socket, then scans of the one in CLOSE_WAIT only
            assertTrue(scanner.scan().found().isEmpty());
        }
        table.closeWait(second); // a row no earlier scan read, with a tracked socket's key
        scanner.scan();
        clock.advance(GRACE);
        ScanOutcome outcome = scanner.scan();
        Set<Integer> ports = new java.util.HashSet<>();
        outcome.found().forEach(leak -> ports.add(leak.local().port()));
        assertEquals(Set.of(first.getLocalPort(), second.getLocalPort()), ports);
    }

    @Test
    void aSocketSeenInCloseWaitWhoseRowLeftTheTableIsJudgedInScansOfTheRememberedSocketsToo() throws IOException {
        Socket socket = connect();
        connect();
        // Another process's row keeps the table from being empty, so that the open sockets are looked at.
        TcpConnection elsewhere = new TcpConnection(Endpoint.parse("10.1.2.3:40000"), Endpoint.parse("10.1.2.4:5432"),
                TcpState.CLOSE_WAIT, TcpConnection.NO_INODE, -1);
        table.closeWait(socket);
        table.add(elsewhere);
        for (int i = 0; i < 3; i++) {
            scanner.scan();
        }
        table.clear();
        table.add(elsewhere); // the socket's row is gone, the socket still open
        assertTrue(scanner.scan().found().isEmpty());
        clock.advance(GRACE);
        List<Finding> found = scanner.scan().found();
        assertEquals(1, found.size(), found::toString);
        assertEquals(socket.getLocalPort(), found.get(0).local().port());
        assertEquals(LeakStatus.OPEN, found.get(0).status());
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket(server.getInetAddress(), server.getLocalPort());
        sockets.add(socket);
        sockets.add(server.accept());
        registry.opened(socket, ConnectionEvents.ORIGIN_CONNECT);
        return socket;
    }

    @Test
    void aCollectedNativeSocketThatNoTcpRowEverShowedIsNoFinding() throws Exception {
        assumeTrue(ProcessSockets.isAvailable(), "no /proc/self/fd");
        Set<Integer> before = socketDescriptors();
        try (DatagramChannel udp = DatagramChannel.open()) { // what Netty's DNS resolver opens, natively, on epoll
            int fd = onlyNew(before);
            registry.nativeOpened(new Object(), fd); // the object is garbage at once, its descriptor stays open
            List<Finding> found = scanUntilCollected();
            assertTrue(found.isEmpty(), found::toString);
        }
    }

    @Test
    void aCollectedNativeSocketStillInCloseWaitIsOrphanedOnceAndNeverTakenOnAsUntracked() throws Exception {
        assumeTrue(ProcessSockets.isAvailable(), "no /proc/self/fd");
        Set<Integer> before = socketDescriptors();
        Socket socket = new Socket(server.getInetAddress(), server.getLocalPort()); // stands for Netty's native one
        sockets.add(socket);
        int fd = onlyNew(before);
        sockets.add(server.accept());
        long inode = ProcessSockets.inodeOf(fd);
        registry.nativeOpened(new Object(), fd);
        table.add(new TcpConnection(Endpoint.of(socket.getLocalAddress(), socket.getLocalPort()),
                Endpoint.of(socket.getInetAddress(), socket.getPort()), TcpState.CLOSE_WAIT, inode, -1));
        List<Finding> found = scanUntilCollected();
        for (int i = 0; i < 5; i++) {
            clock.advance(GRACE);
            found.addAll(scanner.scan().found());
        }
        assertEquals(1, found.size(), found::toString);
        assertEquals(LeakStatus.ORPHANED, found.get(0).status());
        LeakReport report = scanner.report(1);
        assertEquals(1, report.leaks().size(), "no UNTRACKED twin of the orphaned socket");
        // Orphaned, it still holds its port: the series goes on counting it.
        List<long[]> points = report.series().get(0).points();
        assertEquals(1, points.get(points.size() - 1)[1], "the last point's CLOSE_WAIT count");
    }

    @Test
    void anIdleJvmFindsASocketItNeverSawOpenedAndReadsTheTableOnlyEvery30sOnceNothingIsLeftToDecide() throws Exception {
        assumeTrue(ProcessSockets.isAvailable(), "no /proc/self/fd");
        Set<Integer> before = socketDescriptors();
        Socket inherited = new Socket(server.getInetAddress(), server.getLocalPort()); // opened out of the agent's sight
        sockets.add(inherited);
        long inode = ProcessSockets.inodeOf(onlyNew(before));
        sockets.add(server.accept());
        table.add(new TcpConnection(Endpoint.of(inherited.getLocalAddress(), inherited.getLocalPort()),
                Endpoint.of(inherited.getInetAddress(), inherited.getPort()), TcpState.CLOSE_WAIT, inode, -1));
        assertEquals(0, registry.openCount(), "nothing tracked: an idle JVM");

        scanner.scan(); // the first scan reads: one row of this process's no tracked socket has
        clock.advance(100);
        scanner.scan(); // seen again: taken on
        clock.advance(GRACE);
        List<Finding> found = scanner.scan().found();
        assertEquals(1, found.size(), found::toString);
        assertEquals(dev.closewait.agent.track.Origin.UNTRACKED, found.get(0).origin());
        assertEquals(inherited.getLocalPort(), found.get(0).local().port());

        table.clear(); // it is released; nothing else to look up
        scanner.scan();
        clock.advance(150_000); // past the time a JVM that took a socket on counts as active
        scanner.scan();
        int reads = table.reads;
        for (int i = 0; i < 29; i++) {
            clock.advance(1000);
            scanner.scan();
        }
        assertEquals(reads, table.reads, "idle: no read within 30 s");
        clock.advance(1000);
        scanner.scan();
        assertEquals(reads + 1, table.reads, "then one");
    }

    /** Scans, collecting garbage, until the registry holds no open socket (a native one was collected). */
    private List<Finding> scanUntilCollected() throws InterruptedException {
        List<Finding> found = new ArrayList<>();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (registry.openCount() > 0 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
            clock.advance(100);
            found.addAll(scanner.scan().found());
        }
        assertEquals(0, registry.openCount(), "the native socket's object was never collected");
        clock.advance(100);
        found.addAll(scanner.scan().found());
        return found;
    }

    private static Set<Integer> socketDescriptors() throws IOException {
        Set<Integer> fds = new java.util.HashSet<>();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : all) {
                int n = Integer.parseInt(fd.getFileName().toString());
                if (ProcessSockets.inodeOf(n) != 0) {
                    fds.add(n);
                }
            }
        }
        return fds;
    }

    private static int onlyNew(Set<Integer> before) throws IOException {
        Set<Integer> now = socketDescriptors();
        now.removeAll(before);
        assertEquals(1, now.size(), "one new socket descriptor: " + now);
        return now.iterator().next();
    }

    private static final class SettableTable implements TcpTable {
        private final List<TcpConnection> rows = new ArrayList<>();
        boolean fail;
        int reads;
        /** Reads that asked for TIME_WAIT rows (port pressure), and how long each of them takes. */
        int timeWaitReads;
        long timeWaitReadNanos;

        void closeWait(Socket socket) {
            add(new TcpConnection(Endpoint.of(socket.getLocalAddress(), socket.getLocalPort()),
                    Endpoint.of(socket.getInetAddress(), socket.getPort()), TcpState.CLOSE_WAIT, 7, -1));
        }

        void add(TcpConnection row) {
            rows.add(row);
        }

        void clear() {
            rows.clear();
        }

        @Override
        public void read(Set<TcpState> states, Consumer<TcpConnection> sink) throws IOException {
            reads++;
            if (fail) {
                throw new IOException("simulated: permission denied");
            }
            if (states.contains(TcpState.TIME_WAIT)) {
                timeWaitReads++;
                for (long end = System.nanoTime() + timeWaitReadNanos; System.nanoTime() < end; ) {
                    Thread.onSpinWait(); // a namespace this big takes this long to read
                }
            }
            rows.stream().filter(r -> states.contains(r.state())).forEach(sink);
        }

        @Override
        public String describe() {
            return "a table set by the test";
        }
    }
}
