package dev.closewait.benchmarks.probe;

import dev.closewait.agent.boot.ConnectionEvents;
import dev.closewait.agent.detect.CloseWaitScanner;
import dev.closewait.agent.tcp.NetlinkTcpTable;
import dev.closewait.agent.tcp.PeerCloseWatch;
import dev.closewait.agent.tcp.ProcNetTcp;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.tcp.TcpTable;
import dev.closewait.agent.tcp.TcpTables;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.track.StackFrames;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Times one scan of the real TCP table with real connections open in this process: the agent's own
 * code ({@link SocketRegistry}, {@link TcpTables}, {@link CloseWaitScanner}), called in-process as
 * the agent's scanner thread calls it. Runs in a child JVM whose class path holds the shaded agent jar.
 *
 * <p>For each count, this JVM opens that many connections to a {@link ConnectionPeer} (another
 * process), registers each in a registry as the socket advice does, and has the peer close 1 % of
 * them so that CLOSE_WAIT rows exist and the scan matches them against every tracked socket. Each
 * round then times, in turn:
 * <ul>
 *   <li>{@code scan}: {@link CloseWaitScanner#scan()}, the whole scan, on the table the agent picks
 *       ({@link TcpTables#forThisPlatform}: netlink where it can, else {@code /proc}), with the
 *       agent's peer-close watch where it opens: the scan as the agent runs it, which takes the rows
 *       of its last read while the watch hears nothing and nothing opens or closes;</li>
 *   <li>{@code scanOwn}: the same scan less the time of its table reads: the agent's own work;</li>
 *   <li>{@code scanReading}: the same scan with no watch, reading the table every time (with the
 *       watch, a scan after a peer's FIN, an open or a close, and one at least every 30 s);</li>
 *   <li>{@code procScan}: the whole scan on {@code /proc}, as with {@code -Dclosewait.tcpTable=proc};</li>
 *   <li>{@code netlinkTable}: {@link NetlinkTcpTable#read} with the CLOSE_WAIT filter, where it loads;</li>
 *   <li>{@code table}: {@link ProcNetTcp#read} with the CLOSE_WAIT filter (read and parse);</li>
 *   <li>{@code read}: the bytes of {@code /proc/self/net/tcp} and {@code tcp6} only (the kernel
 *       writing the text);</li>
 *   <li>{@code parse}: {@link ProcNetTcp#parse} of bytes already read;</li>
 *   <li>{@code netlink}, where {@code ss} is installed: {@code ss -tanH state close-wait}, which asks
 *       the kernel over netlink for the CLOSE_WAIT rows only, in a process of its own: a yardstick.</li>
 * </ul>
 * Before any connection opens, {@code 0.netlinkTable} times the netlink read alone: the kernel's
 * walk of its tables with none of these rows in them.
 * Prints {@code sample <count>.<what> <millis>} per round and {@code info <key> <value>} lines.
 *
 * <p>Arguments: {@code <counts, comma-separated> <warm-up rounds> <measured rounds>}.
 */
public final class ScanCostProbe {

    private static final Set<TcpState> CLOSE_WAIT = EnumSet.of(TcpState.CLOSE_WAIT);
    /** Longer than the probe runs: nothing becomes a finding, every scan does the same work. */
    private static final long GRACE_MILLIS = TimeUnit.HOURS.toMillis(1);

    private final List<Socket> open = new ArrayList<>();
    private final SocketRegistry registry = new SocketRegistry(Clock.systemUTC());
    private final ProcNetTcp table = new ProcNetTcp();
    private final List<String> notNetlink = new ArrayList<>();
    private final TcpTable platformTable = TcpTables.forThisPlatform(notNetlink::add);
    /** The table the scanner reads, timed: the scan's own work is its time less its reads. */
    private final TimedTable agentTable = new TimedTable(platformTable);
    private final NetlinkTcpTable netlinkTable = NetlinkTcpTable.load(why -> { });
    private final CloseWaitScanner scanner = new CloseWaitScanner(registry, agentTable, Clock.systemUTC(),
            GRACE_MILLIS, 1000, new StackFrames(), message -> System.err.println("scanner: " + message));
    private final CloseWaitScanner readingScanner = new CloseWaitScanner(registry, platformTable, Clock.systemUTC(),
            GRACE_MILLIS, 1000, new StackFrames(), message -> System.err.println("scanner: " + message));
    private final List<String> noWatch = new ArrayList<>();
    private final PeerCloseWatch watch = platformTable instanceof NetlinkTcpTable ? PeerCloseWatch.open(noWatch::add) : null;
    private final CloseWaitScanner procScanner = new CloseWaitScanner(registry, new ProcNetTcp(), Clock.systemUTC(),
            GRACE_MILLIS, 1000, new StackFrames(), message -> System.err.println("scanner: " + message));
    private final boolean hasSs = ssWorks();
    private byte[] text = new byte[1 << 20];

    private ScanCostProbe() {
    }

    public static void main(String[] args) throws IOException {
        String[] counts = args[0].split(",");
        int warmup = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        if (!ProcNetTcp.isAvailable()) {
            System.out.println("info skipped no /proc/self/net/tcp on this system");
            return;
        }
        ScanCostProbe probe = new ScanCostProbe();
        System.out.println("info table " + TcpTables.describe(probe.platformTable, probe.notNetlink));
        if (probe.watch != null) {
            probe.scanner.usePeerCloseWatch(probe.watch, message -> System.err.println("scanner: " + message));
        }
        System.out.println("info watch " + (probe.watch != null ? "yes" : "no: " + String.join("; ", probe.noWatch)));
        probe.measureEmpty(warmup, rounds);
        try (PeerProcess peer = PeerProcess.start()) {
            for (String count : counts) {
                probe.measure(peer, Integer.parseInt(count.trim()), warmup, rounds);
            }
            PeerProcess.closeWithReset(probe.open);
        }
        System.exit(0);
    }

    /**
     * The netlink read with none of this JVM's connections open: what the kernel's walk of its
     * tables costs whatever the rows ({@code sample 0.netlinkTable}).
     */
    private void measureEmpty(int warmup, int rounds) throws IOException {
        if (netlinkTable == null) {
            return;
        }
        for (int round = -warmup; round < rounds; round++) {
            long read = time(() -> netlinkTable.read(CLOSE_WAIT, row -> { }));
            if (round >= 0) {
                sample(0, "netlinkTable", read);
            }
        }
    }

    private void measure(PeerProcess peer, int count, int warmup, int rounds) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        while (open.size() < count) {
            Socket socket = new Socket(loopback, peer.port());
            open.add(socket);
            registry.opened(socket, ConnectionEvents.ORIGIN_CONNECT);
        }
        peer.awaitAccepted(count);
        int closeWait = Math.max(1, count / 100);
        peer.closeSome(closeWait);
        int seen = awaitCloseWaitRows();

        // The first scan after opening also interns the new sockets' creation stacks, once.
        System.out.println("info " + count + ".firstScanMillis " + time(scanner::scan) / 1e6);
        procScanner.scan();
        readingScanner.scan();
        System.out.println("info " + count + ".tracked " + registry.openCount());
        System.out.println("info " + count + ".closeWaitRows " + seen);
        System.out.println("info " + count + ".tableRows " + countRows());
        System.out.println("info " + count + ".tableBytes " + readText());
        long replayedBefore = scanner.scansWithoutRead();
        for (int round = -warmup; round < rounds; round++) {
            if (round == 0) {
                replayedBefore = scanner.scansWithoutRead();
            }
            long readsBefore = agentTable.nanos;
            long scan = time(scanner::scan);
            long scanOwn = scan - (agentTable.nanos - readsBefore);
            long scanReading = time(readingScanner::scan);
            long procScan = time(procScanner::scan);
            long netlinkRead = netlinkTable == null ? -1 : time(() -> netlinkTable.read(CLOSE_WAIT, row -> { }));
            long tableRead = time(() -> table.read(CLOSE_WAIT, row -> { }));
            int[] length = new int[1];
            long read = time(() -> length[0] = readText());
            long parse = time(() -> parseText(length[0]));
            long netlink = hasSs ? time(ScanCostProbe::runSs) : -1;
            if (round >= 0) {
                sample(count, "scan", scan);
                sample(count, "scanOwn", scanOwn);
                sample(count, "scanReading", scanReading);
                sample(count, "procScan", procScan);
                if (netlinkTable != null) {
                    sample(count, "netlinkTable", netlinkRead);
                }
                sample(count, "table", tableRead);
                sample(count, "read", read);
                sample(count, "parse", parse);
                if (hasSs) {
                    sample(count, "netlink", netlink);
                }
            }
        }
        System.out.println("info " + count + ".scansWithoutRead " + (scanner.scansWithoutRead() - replayedBefore));
    }

    /** {@code ss} lists the CLOSE_WAIT rows, filtered in the kernel; its output is read and dropped. */
    private static void runSs() throws IOException {
        Process ss = new ProcessBuilder("ss", "-tanH", "state", "close-wait").redirectErrorStream(true).start();
        try (InputStream out = ss.getInputStream()) {
            out.transferTo(java.io.OutputStream.nullOutputStream());
            if (ss.waitFor() != 0) {
                throw new IOException("ss failed with status " + ss.exitValue());
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException(interrupted);
        }
    }

    private static boolean ssWorks() {
        try {
            runSs();
            return true;
        } catch (IOException missing) {
            return false;
        }
    }

    private int awaitCloseWaitRows() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int[] rows = new int[1];
        do {
            rows[0] = 0;
            table.read(CLOSE_WAIT, row -> rows[0]++);
        } while (rows[0] == 0 && System.nanoTime() < deadline);
        return rows[0];
    }

    private int countRows() throws IOException {
        int[] rows = new int[1];
        table.read(EnumSet.allOf(TcpState.class), row -> rows[0]++);
        return rows[0];
    }

    /** Reads both files into {@link #text}, one after the other; returns the bytes read. */
    private int readText() throws IOException {
        int length = readInto("/proc/self/net/tcp", 0);
        return readInto("/proc/self/net/tcp6", length);
    }

    private int readInto(String file, int offset) throws IOException {
        try (InputStream in = new FileInputStream(file)) {
            int length = offset;
            for (int n; (n = in.read(text, length, text.length - length)) >= 0; ) {
                length += n;
                if (length == text.length) {
                    text = java.util.Arrays.copyOf(text, text.length * 2);
                }
            }
            return length;
        }
    }

    private void parseText(int length) {
        boolean[] wanted = new boolean[16];
        wanted[TcpState.CLOSE_WAIT.linuxCode()] = true;
        // Both files' text back to back: the tcp6 header line parses as a malformed row and is skipped.
        ProcNetTcp.parse(text, length, wanted, row -> { });
    }

    private static void sample(int count, String what, long nanos) {
        System.out.println("sample " + count + "." + what + " " + nanos / 1e6);
    }

    private static long time(Step step) throws IOException {
        long start = System.nanoTime();
        step.run();
        return System.nanoTime() - start;
    }

    /** A table that adds up the time of its reads. */
    private static final class TimedTable implements TcpTable {
        private final TcpTable table;
        long nanos;

        TimedTable(TcpTable table) {
            this.table = table;
        }

        @Override
        public void read(Set<TcpState> states, java.util.function.Consumer<dev.closewait.agent.tcp.TcpConnection> sink)
                throws IOException {
            long start = System.nanoTime();
            try {
                table.read(states, sink);
            } finally {
                nanos += System.nanoTime() - start;
            }
        }

        @Override
        public String describe() {
            return table.describe();
        }
    }

    private interface Step {
        void run() throws IOException;
    }
}
