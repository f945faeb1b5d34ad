package dev.closewait.benchmarks.probe;

import dev.closewait.agent.boot.ConnectionEvents;
import dev.closewait.agent.detect.CloseWaitScanner;
import dev.closewait.agent.tcp.ProcNetTcp;
import dev.closewait.agent.tcp.TcpConnection;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.tcp.TcpTable;
import dev.closewait.agent.tcp.TcpTables;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.track.StackFrames;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Times the scan when the kernel's table also holds this JVM's TIME_WAIT and FIN_WAIT_2 rows, which
 * the scanner reads besides CLOSE_WAIT: FIN_WAIT_2 every scan, TIME_WAIT while the tracked count
 * moved in the last 150 s (every scan if the fastest such read took under 2 ms, else every tenth).
 * The agent's own code, in-process, as {@link ScanCostProbe} runs it; real sockets throughout.
 *
 * <p>For each count N: N connections to a {@link ConnectionPeer}, registered as the socket advice
 * does, 1 % of them closed by the peer (CLOSE_WAIT here); the agent's scan is timed ({@code plain}).
 * Then the extra rows are made for real, each socket registered and closed as the advice sees it:
 * N connections to the peer's churn ports, closed here first and then by the peer, so N rows here
 * go to TIME_WAIT (towards 16 ports, so that they do not pile up on one remote endpoint); and N / 100
 * connections to the port where the peer never closes, closed here, so they stay in FIN_WAIT_2
 * (for the kernel's {@code tcp_fin_timeout}, 60 s). Three fresh scanners over the same registry
 * are then timed in turn, each round:
 * <ul>
 *   <li>{@code closeWaitOnly}: the scanner given CLOSE_WAIT rows only, as it read before FIN_WAIT_2
 *       and TIME_WAIT were added: the figure to compare with;</li>
 *   <li>{@code quiet}: its clock 151 s past the last change of the tracked count: CLOSE_WAIT and
 *       FIN_WAIT_2 read, TIME_WAIT skipped;</li>
 *   <li>{@code active}: TIME_WAIT read every scan. The scanner would read it only every tenth scan
 *       once its fastest read takes 2 ms or more; its fastest read is set to zero (reflection), so
 *       that every round measures the dearer scan. Its own choice is printed.</li>
 *   <li>{@code read.cw}, {@code read.cwfw2}, {@code read.cwfw2tw}: the table read alone with each
 *       set of states, the kernel's share.</li>
 * </ul>
 * Between counts it waits for the extra rows to expire, so the next count's table holds none.
 * Prints {@code sample <count>.<what> <millis>} per round and {@code info <key> <value>} lines.
 *
 * <p>Arguments: {@code <counts, comma-separated> <warm-up rounds> <measured rounds>}.
 */
public final class ScanStatesProbe {

    private static final Set<TcpState> CLOSE_WAIT = EnumSet.of(TcpState.CLOSE_WAIT);
    private static final Set<TcpState> CLOSE_WAIT_FIN_WAIT_2 = EnumSet.of(TcpState.CLOSE_WAIT, TcpState.FIN_WAIT2);
    private static final Set<TcpState> EXTRA_STATES = EnumSet.of(TcpState.CLOSE_WAIT, TcpState.FIN_WAIT2,
            TcpState.TIME_WAIT);
    /** Longer than the probe runs: nothing becomes a finding, every scan does the same work. */
    private static final long GRACE_MILLIS = TimeUnit.HOURS.toMillis(1);
    /** The scanner's {@code RECENT_MILLIS} (150 s), and a second more. */
    private static final long QUIET_AFTER_MILLIS = 151_000;
    private static final int CHURN_PORTS = 16;

    private final List<Socket> open = new ArrayList<>();
    private final SocketRegistry registry = new SocketRegistry(Clock.systemUTC());
    private final List<String> notNetlink = new ArrayList<>();
    private final TcpTable table = TcpTables.forThisPlatform(notNetlink::add);
    private final StackFrames frames = new StackFrames();
    private int closeWaitMade;
    private int accepted;

    private ScanStatesProbe() {
    }

    public static void main(String[] args) throws Exception {
        String[] counts = args[0].split(",");
        int warmup = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        if (!ProcNetTcp.isAvailable()) {
            System.out.println("info skipped no /proc/self/net/tcp on this system");
            return;
        }
        ScanStatesProbe probe = new ScanStatesProbe();
        System.out.println("info table " + TcpTables.describe(probe.table, probe.notNetlink));
        try (PeerProcess peer = PeerProcess.start()) {
            int[] churn = peer.churnPorts(CHURN_PORTS);
            Set<Integer> extraPorts = new HashSet<>();
            for (int port : churn) {
                extraPorts.add(port);
            }
            extraPorts.add(peer.port());
            for (int i = 0; i < counts.length; i++) {
                if (i > 0) {
                    probe.awaitExtraRowsGone(extraPorts);
                }
                probe.measure(peer, churn, Integer.parseInt(counts[i].trim()), warmup, rounds);
            }
            PeerProcess.closeWithReset(probe.open);
        }
        System.exit(0);
    }

    private void measure(PeerProcess peer, int[] churn, int count, int warmup, int rounds) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        while (open.size() < count) {
            Socket socket = new Socket(loopback, peer.port());
            open.add(socket);
            registry.opened(socket, ConnectionEvents.ORIGIN_CONNECT);
            accepted++;
        }
        peer.awaitAccepted(accepted);
        int closeWait = Math.max(1, count / 100);
        peer.closeSome(closeWait - closeWaitMade);
        closeWaitMade = closeWait;
        awaitRows(TcpState.CLOSE_WAIT, null, closeWait);

        // As the `scan` benchmark: the agent's scanner, no extra rows of this JVM yet.
        CloseWaitScanner plain = scanner(table, Clock.systemUTC());
        for (int round = -warmup; round < rounds; round++) {
            long took = time(plain::scan);
            if (round >= 0) {
                sample(count, "noExtraRows", took);
            }
        }

        // The extra rows, for real: N in TIME_WAIT, N / 100 in FIN_WAIT_2.
        int finWait2 = Math.max(1, count / 100);
        for (int i = 0; i < finWait2; i++) {
            openAndClose(new Socket(loopback, peer.port()));
        }
        accepted += finWait2;
        for (int i = 0; i < count; i++) {
            openAndClose(new Socket(loopback, churn[i % churn.length]));
        }
        peer.awaitAccepted(accepted);
        Set<Integer> churnPorts = new HashSet<>();
        for (int port : churn) {
            churnPorts.add(port);
        }
        int timeWaitRows = awaitRows(TcpState.TIME_WAIT, churnPorts, count * 95 / 100);
        int finWait2Rows = awaitRows(TcpState.FIN_WAIT2, Set.of(peer.port()), finWait2);
        System.out.println("info " + count + ".timeWaitRows " + timeWaitRows);
        System.out.println("info " + count + ".finWait2Rows " + finWait2Rows);
        System.out.println("info " + count + ".tableRows " + countRows(EnumSet.allOf(TcpState.class), null));
        System.out.println("info " + count + ".allTimeWaitRows " + countRows(EnumSet.of(TcpState.TIME_WAIT), null));

        CloseWaitScanner closeWaitOnly = scanner(closeWaitOnly(table), Clock.systemUTC());
        OffsetClock later = new OffsetClock();
        CloseWaitScanner quiet = scanner(table, later);
        CloseWaitScanner active = scanner(table, Clock.systemUTC());
        quiet.scan(); // takes in the tracked count; from 151 s on it is quiet
        later.offset = QUIET_AFTER_MILLIS;
        for (int i = 0; i < 3; i++) {
            active.scan(); // the three reads with TIME_WAIT it always makes, to learn what one costs
        }
        // The scanner judges a read with TIME_WAIT by the fastest of its last three: these three.
        long[] recentReads = (long[]) field("recentTimeWaitReadNanos").get(active);
        long fastest = java.util.Arrays.stream(recentReads).min().orElse(0);
        System.out.println("info " + count + ".fastestTimeWaitReadMillis " + fastest / 1e6);
        long activeReads = timeWaitReads(active);
        long quietReads = timeWaitReads(quiet);

        // "Active" reads TIME_WAIT rows at every scan, as where such reads are cheap: its last reads
        // are made to look free before each scan, which takes it no measurable time.
        List<Step> scans = List.of(() -> closeWaitOnly.scan(), () -> quiet.scan(), () -> {
            java.util.Arrays.fill(recentReads, 0L);
            active.scan();
        });
        String[] names = {"closeWaitOnly", "quiet", "active"};
        long started = System.nanoTime();
        for (int round = -warmup; round < rounds; round++) {
            long[] took = new long[3];
            for (int k = 0; k < 3; k++) {
                int which = Math.floorMod(round + k, 3); // each goes first, second and third in turn
                took[which] = time(scans.get(which));
            }
            long readCw = time(() -> table.read(CLOSE_WAIT, row -> { }));
            long readCwFw2 = time(() -> table.read(CLOSE_WAIT_FIN_WAIT_2, row -> { }));
            long readAll = time(() -> table.read(EXTRA_STATES, row -> { }));
            if (round >= 0) {
                for (int k = 0; k < 3; k++) {
                    sample(count, names[k], took[k]);
                }
                sample(count, "read.cw", readCw);
                sample(count, "read.cwfw2", readCwFw2);
                sample(count, "read.cwfw2tw", readAll);
            }
        }
        System.out.println("info " + count + ".roundsSeconds " + (System.nanoTime() - started) / 1e9);
        System.out.println("info " + count + ".activeTimeWaitReads "
                + (timeWaitReads(active) - activeReads));
        System.out.println("info " + count + ".quietTimeWaitReads "
                + (timeWaitReads(quiet) - quietReads));
        System.out.println("info " + count + ".timeWaitRowsAfter " + countRows(EnumSet.of(TcpState.TIME_WAIT),
                churnPorts));
        System.out.println("info " + count + ".finWait2RowsAfter " + countRows(EnumSet.of(TcpState.FIN_WAIT2),
                Set.of(peer.port())));
        System.out.println("info " + count + ".tracked " + registry.openCount());
    }

    private CloseWaitScanner scanner(TcpTable source, Clock clock) {
        return new CloseWaitScanner(registry, source, clock, GRACE_MILLIS, 1000, frames,
                message -> System.err.println("scanner: " + message));
    }

    /** A connection the application opens and closes at once, as the advice reports it. */
    private void openAndClose(Socket socket) throws IOException {
        registry.opened(socket, ConnectionEvents.ORIGIN_CONNECT);
        socket.close();
        registry.closed(socket);
    }

    /** The table, asked for CLOSE_WAIT only whatever the scanner asks (unless it asks for every state). */
    private static TcpTable closeWaitOnly(TcpTable table) {
        return new TcpTable() {
            @Override
            public void read(Set<TcpState> states, Consumer<TcpConnection> sink) throws IOException {
                table.read(states.size() == TcpState.values().length ? states : CLOSE_WAIT, sink);
            }

            @Override
            public String describe() {
                return table.describe() + ", CLOSE_WAIT only";
            }
        };
    }

    /** Waits up to 15 s for {@code wanted} rows in {@code state} towards {@code remotePorts}; returns how many. */
    private int awaitRows(TcpState state, Set<Integer> remotePorts, int wanted) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        int rows;
        while ((rows = countRows(EnumSet.of(state), remotePorts)) < wanted && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        return rows;
    }

    /** Waits up to 75 s for this probe's TIME_WAIT and FIN_WAIT_2 rows to expire (the kernel keeps them 60 s). */
    private void awaitExtraRowsGone(Set<Integer> remotePorts) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(75);
        int rows;
        while ((rows = countRows(EnumSet.of(TcpState.TIME_WAIT, TcpState.FIN_WAIT2), remotePorts)) > 0
                && System.nanoTime() < deadline) {
            Thread.sleep(1_000);
        }
        System.out.println("info waitedSeconds " + (System.nanoTime() - start) / 1_000_000_000);
        System.out.println("info rowsLeftAfterWait " + rows);
    }

    /** Rows in {@code states} in the whole namespace, or those towards {@code remotePorts}. */
    private int countRows(Set<TcpState> states, Set<Integer> remotePorts) throws IOException {
        int[] rows = new int[1];
        table.read(states, row -> {
            if (remotePorts == null || remotePorts.contains(row.remote().port())) {
                rows[0]++;
            }
        });
        return rows[0];
    }

    /** A private field of the scanner: the probe forces its TIME_WAIT cadence and checks what it read. */
    /** The scanner's count of its reads with TIME_WAIT so far. */
    static long timeWaitReads(CloseWaitScanner scanner) throws IllegalAccessException {
        return field("timeWaitReads").getLong(scanner);
    }

    static Field field(String name) {
        try {
            Field field = CloseWaitScanner.class.getDeclaredField(name);
            field.setAccessible(true);
            return field;
        } catch (NoSuchFieldException renamed) {
            throw new IllegalStateException("CloseWaitScanner has no field " + name + " any more: update "
                    + ScanStatesProbe.class.getSimpleName(), renamed);
        }
    }

    private static void sample(int count, String what, long nanos) {
        System.out.println("sample " + count + "." + what + " " + nanos / 1e6);
    }

    private static long time(Step step) throws IOException {
        long start = System.nanoTime();
        step.run();
        return System.nanoTime() - start;
    }

    private interface Step {
        void run() throws IOException;
    }

    /** The system clock, moved on by {@link #offset}: a scanner that believes the tracked count stood still for minutes. */
    private static final class OffsetClock extends Clock {
        volatile long offset;

        @Override
        public long millis() {
            return System.currentTimeMillis() + offset;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
