package dev.closewait.agent.detect;

import dev.closewait.agent.boot.ConnectionEvents;
import dev.closewait.agent.tcp.NetlinkTcpTable;
import dev.closewait.agent.tcp.PeerCloseWatch;
import dev.closewait.agent.tcp.TcpConnection;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.tcp.TcpTable;
import dev.closewait.agent.testing.MovableClock;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.track.StackFrames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Scans that take the last read's rows while the peer-close watch hears nothing, against this
 * machine's kernel: real loopback connections, the real netlink table and the real epoll set. Each
 * test counts the reads of the table, and compares what a scanner with the watch finds with what a
 * scanner without one finds over the same sockets.
 */
class QuietScansTest {

    private static final long GRACE = 10_000;

    private final MovableClock clock = new MovableClock();
    private final List<Socket> sockets = new ArrayList<>();
    private final List<Socket> accepted = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private SocketRegistry registry;
    private CountingTable table;
    private CloseWaitScanner watching;
    private CloseWaitScanner reading;
    private ServerSocket server;

    @BeforeEach
    void setUp() throws IOException {
        StringBuilder why = new StringBuilder();
        NetlinkTcpTable netlink = NetlinkTcpTable.load(why::append);
        PeerCloseWatch watch = netlink == null ? null : PeerCloseWatch.open(why::append);
        assumeTrue(watch != null, () -> "no peer-close watch here: " + why);
        registry = new SocketRegistry(clock);
        table = new CountingTable(netlink);
        watching = new CloseWaitScanner(registry, table, clock, GRACE, 1000, new StackFrames(), notes::add);
        watching.usePeerCloseWatch(watch, notes::add);
        reading = new CloseWaitScanner(registry, netlink, clock, GRACE, 1000, new StackFrames(), notes::add);
        server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void tearDown() throws IOException {
        if (server == null) {
            return;
        }
        for (Socket socket : sockets) {
            socket.close();
        }
        for (Socket socket : accepted) {
            socket.close();
        }
        server.close();
        assertTrue(notes.isEmpty(), notes::toString);
    }

    @Test
    void whileNothingChangesScansTakeTheLastReadsRowsAndAPeersFinMakesTheNextOneRead() throws Exception {
        for (int i = 0; i < 20; i++) {
            connect();
        }
        scanBoth();
        quietDown();
        assertEquals(2, table.reads);
        for (int i = 0; i < 5; i++) {
            scanBoth();
        }
        assertEquals(2, table.reads, "nothing changed: no read");
        assertEquals(5, watching.scansWithoutRead());

        Socket leaked = sockets.get(7);
        accepted.get(7).close(); // the peer's FIN: the client's socket enters CLOSE_WAIT
        awaitState(leaked, TcpState.CLOSE_WAIT);
        assertEquals(List.of(), scanBoth().found(), "first seen in CLOSE_WAIT: not a finding yet");
        assertEquals(3, table.reads, "the watch heard the FIN: the scan read the table");

        clock.advance(GRACE);
        ScanOutcome outcome = scanBoth();
        assertEquals(3, table.reads, "the FIN was heard once; the read after it still holds");
        assertEquals(1, outcome.found().size());
        assertEquals(leaked.getLocalPort(), outcome.found().get(0).local().port());
        assertEquals(TcpState.CLOSE_WAIT, outcome.found().get(0).state());
        assertEquals(render(reading.report(1)), render(watching.report(1)), "the same report as a scanner reading every time");
    }

    @Test
    void aResetIsHeardToo() throws Exception {
        for (int i = 0; i < 3; i++) {
            connect();
        }
        scanBoth();
        accepted.get(1).close();
        awaitState(sockets.get(1), TcpState.CLOSE_WAIT);
        quietDown();
        scanBoth();
        int reads = table.reads;
        assertEquals(1, watching.scansWithoutRead());
        sockets.get(1).getOutputStream().write(1); // the peer's socket is closed: it answers with a reset
        awaitState(sockets.get(1), null);
        scanBoth();
        assertEquals(reads + 1, table.reads, "the reset was heard: the scan read the table");
        clock.advance(GRACE);
        scanBoth();
        assertEquals(render(reading.report(1)), render(watching.report(1)));
    }

    @Test
    void aSocketInCloseWaitAlreadyWhenPutInTheWatchIsHeard() throws Exception {
        connect();
        scanBoth();
        quietDown();
        scanBoth();
        int reads = table.reads;
        // Opened and closed by its peer between two scans: the walk puts it in the watch in CLOSE_WAIT.
        Socket late = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        sockets.add(late);
        server.accept().close();
        awaitState(late, TcpState.CLOSE_WAIT);
        QuietScans quiet = new QuietScans(PeerCloseWatch.open(notes::add), notes::add);
        assertFalse(quiet.mayReplay(registry, clock.millis(), true), "nothing read yet");
        quiet.read(clock.millis(), List.of(), List.of());
        quiet.settled(true);
        assertTrue(quiet.mayReplay(registry, clock.millis(), true), "the rows of the read hold");
        registry.opened(late, ConnectionEvents.ORIGIN_CONNECT);
        assertFalse(quiet.mayReplay(registry, clock.millis(), true), "a new socket: walked again");
        assertFalse(quiet.mayReplay(registry, clock.millis(), true), "put in the watch in CLOSE_WAIT: heard");
        quiet.read(clock.millis(), List.of(), List.of());
        quiet.settled(true);
        assertTrue(quiet.mayReplay(registry, clock.millis(), true));
        quiet.close();
        assertEquals(reads, table.reads);
    }

    @Test
    void whatMakesTheNextScanRead() throws Exception {
        QuietScans quiet = new QuietScans(PeerCloseWatch.open(notes::add), notes::add);
        connect();
        long now = clock.millis();
        assertFalse(quiet.mayReplay(registry, now, true), "nothing read yet");
        quiet.read(now, List.of(), List.of());
        quiet.settled(true);
        assertTrue(quiet.mayReplay(registry, now, true));
        assertFalse(quiet.mayReplay(registry, now, false), "the scanner wants other rows");
        quiet.settled(false);
        assertFalse(quiet.mayReplay(registry, now, true), "the read left rows to follow");
        quiet.settled(true);

        connect();
        assertFalse(quiet.mayReplay(registry, now, true), "a socket tracked since the last walk: walked again");
        assertTrue(quiet.mayReplay(registry, now, true), "a second walk at the same count: the new socket is watched");

        registry.closed(sockets.get(0));
        assertFalse(quiet.mayReplay(registry, now, true), "a socket closed since the read");
        quiet.read(now, List.of(), List.of());
        quiet.settled(true);
        assertTrue(quiet.mayReplay(registry, now, true));

        accepted.get(1).close();
        awaitState(sockets.get(1), TcpState.CLOSE_WAIT);
        assertFalse(quiet.mayReplay(registry, now, true), "a FIN");
        assertFalse(quiet.mayReplay(registry, now, true), "heard, and not read since");
        quiet.read(now, List.of(), List.of());
        quiet.settled(true);
        assertTrue(quiet.mayReplay(registry, now, true));
        assertFalse(quiet.mayReplay(registry, now + QuietScans.REREAD_MILLIS, true), "the read is 30 s old");
        quiet.close();
    }

    @Test
    void aSocketWhoseDescriptorIsUnknownMakesEveryScanRead() throws Exception {
        connect();
        Socket unwatchable = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        accepted.add(server.accept());
        sockets.add(unwatchable);
        java.lang.reflect.Field impl = Socket.class.getDeclaredField("impl");
        impl.setAccessible(true);
        Object realImpl = impl.get(unwatchable);
        registry.opened(unwatchable, ConnectionEvents.ORIGIN_CONNECT);
        impl.set(unwatchable, null); // as a socket of a kind whose descriptor the agent cannot read
        try {
            scanBoth();
            quietDown();
            for (int i = 0; i < 3; i++) {
                scanBoth();
            }
            assertEquals(5, table.reads, "one open socket is not in the watch: every scan reads");
            assertEquals(0, watching.scansWithoutRead());
        } finally {
            impl.set(unwatchable, realImpl);
        }
    }

    @Test
    void withoutReadableDescriptorsTheWatchStopsWithOneNoteAndEveryScanReads() throws Exception {
        SocketRegistry closedToAgent = new SocketRegistry(clock, field -> {
            throw new IllegalStateException("not opened");
        });
        CloseWaitScanner scanner = new CloseWaitScanner(closedToAgent, table, clock, GRACE, 1000, new StackFrames(),
                notes::add);
        scanner.usePeerCloseWatch(PeerCloseWatch.open(notes::add), notes::add);
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        sockets.add(socket);
        accepted.add(server.accept());
        closedToAgent.opened(socket, ConnectionEvents.ORIGIN_CONNECT);
        scanner.scan();
        clock.advance(151_000);
        for (int i = 0; i < 3; i++) {
            scanner.scan();
        }
        assertEquals(4, table.reads);
        assertEquals(List.of("the peer-close watch stopped (the JDK's socket descriptors cannot be read); "
                + "every scan reads the TCP table from now on"), notes);
        notes.clear();
    }

    /**
     * Leaves the 150 s after the last open in which every scan reads TIME_WAIT rows too (port
     * pressure), with one scan: it reads, its last read being older than 30 s.
     */
    private void quietDown() {
        clock.advance(151_000);
        int reads = table.reads;
        scanBoth();
        assertEquals(reads + 1, table.reads);
    }

    private ScanOutcome scanBoth() {
        reading.scan();
        return watching.scan();
    }

    private void connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        sockets.add(socket);
        accepted.add(server.accept());
        registry.opened(socket, ConnectionEvents.ORIGIN_CONNECT);
    }

    /** Waits until the kernel shows {@code socket} in {@code state} ({@code null}: in no state it reports). */
    private void awaitState(Socket socket, TcpState state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            TcpState[] now = new TcpState[1];
            table.delegate.read(EnumSet.allOf(TcpState.class), row -> {
                if (row.local().port() == socket.getLocalPort() && row.remote().port() == server.getLocalPort()) {
                    now[0] = row.state();
                }
            });
            if (now[0] == state) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the socket never reached " + state);
    }

    /** What a report says of its findings, peers and counts, without the times of the two scanners' own scans. */
    private static String render(LeakReport report) {
        return report.leaks().stream().map(f -> f.id() + " " + f.status() + " " + f.state() + " " + f.local() + " "
                + f.remote() + " " + f.stack()).collect(Collectors.joining("\n"))
                + "\npeers " + report.peersNotClosing().size() + ", open " + report.open();
    }

    /** The netlink table, counting the scanner's reads. */
    private static final class CountingTable implements TcpTable {
        final TcpTable delegate;
        int reads;

        CountingTable(TcpTable delegate) {
            this.delegate = delegate;
        }

        @Override
        public void read(Set<TcpState> states, Consumer<TcpConnection> sink) throws IOException {
            reads++;
            delegate.read(states, sink);
        }

        @Override
        public String describe() {
            return delegate.describe();
        }
    }
}
