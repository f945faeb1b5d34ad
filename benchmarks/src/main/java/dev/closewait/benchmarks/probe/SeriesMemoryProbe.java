package dev.closewait.benchmarks.probe;

import dev.closewait.agent.boot.ConnectionEvents;
import dev.closewait.agent.detect.CloseWaitScanner;
import dev.closewait.agent.detect.RemoteSeries;
import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpConnection;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.tcp.TcpTable;
import dev.closewait.agent.tcp.TcpTables;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.track.StackFrames;

import java.io.IOException;
import java.lang.ref.Reference;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What the scanner's time series retain for R remotes over a day: the agent's own registry and
 * scanner, in-process, with a clock the probe moves by the agent's default interval (5 s) before
 * each scan, so that a day of scans (17,280) runs in seconds. Each remote is a listener of this JVM
 * with one real connection to it, whose accepted end is closed: one CLOSE_WAIT socket per remote in
 * every scan, so every remote has a series from the first scan on. The kernel's rows of those
 * connections are read once and replayed to every scan (see {@link #replay}). {@code grace}
 * is three days: no socket becomes a finding, what grows is the picture alone.
 *
 * <p>A live class histogram ({@code GC.class_histogram}, after a full GC) is taken once the sockets
 * are open and before they are registered, then after the first scan, after an hour of scans and
 * after the given hours. Prints {@code class <label> <name> <instances> <bytes>} and
 * {@code total <label> <instances> <bytes>} per delta, then {@code info} lines.
 *
 * <p>Arguments: {@code <remotes> <hours>}.
 */
public final class SeriesMemoryProbe {

    static final long INTERVAL_MILLIS = 5_000;
    private static final long GRACE_MILLIS = TimeUnit.DAYS.toMillis(3);

    private static Map<String, long[]> control = Map.of();

    private SeriesMemoryProbe() {
    }

    public static void main(String[] args) throws Exception {
        int remotes = Integer.parseInt(args[0]);
        int hours = Integer.parseInt(args[1]);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        TcpTable table = TcpTables.forThisPlatform();
        warmUp(table, loopback);

        List<ServerSocket> servers = new ArrayList<>();
        List<Socket> clients = new ArrayList<>();
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < remotes; i++) {
            ServerSocket server = new ServerSocket(0, 50, loopback);
            Socket client = new Socket(loopback, server.getLocalPort());
            server.accept().close(); // the peer closes: this end sits in CLOSE_WAIT
            servers.add(server);
            clients.add(client);
            ports.add(server.getLocalPort());
        }
        awaitCloseWait(table, ports, remotes);
        TcpTable replay = replay(table, ports);

        MovableClock clock = new MovableClock();
        SocketRegistry registry = new SocketRegistry(clock);
        CloseWaitScanner scanner = new CloseWaitScanner(registry, replay, clock, GRACE_MILLIS, 1000,
                new StackFrames(), message -> System.err.println("scanner: " + message));
        MemoryProbe.liveHistogram(); // loads the management classes before the first real histogram
        Map<String, long[]> before = MemoryProbe.liveHistogram();
        // What the map of the first histogram itself holds: taken off every later delta.
        control = MemoryProbe.delta(before, MemoryProbe.liveHistogram());
        control.values().removeIf(counts -> counts[1] == 0); // kept small: it is on the heap of the later histograms

        for (Socket client : clients) {
            registry.opened(client, ConnectionEvents.ORIGIN_CONNECT);
        }
        System.out.println("info table " + replay.describe());
        long start = System.nanoTime();
        long scans = 0;
        scans += scan(scanner, clock, 1);
        print("first", MemoryProbe.delta(before, MemoryProbe.liveHistogram()));
        long hour = TimeUnit.HOURS.toMillis(1) / INTERVAL_MILLIS;
        scans += scan(scanner, clock, hour - scans);
        print("hour", MemoryProbe.delta(before, MemoryProbe.liveHistogram()));
        scans += scan(scanner, clock, hours * hour - scans);
        print("end", MemoryProbe.delta(before, MemoryProbe.liveHistogram()));
        System.out.println("info scans " + scans);
        System.out.println("info scanSeconds " + (System.nanoTime() - start) / 1e9);

        List<RemoteSeries> series = scanner.report(ProcessHandle.current().pid()).series();
        int most = 0;
        for (RemoteSeries one : series) {
            most = Math.max(most, one.points().size());
        }
        System.out.println("info series " + series.size());
        System.out.println("info seriesArrays " + seriesArrays(scanner));
        System.out.println("info mostPoints " + most);
        if (!series.isEmpty()) {
            // How far back the points of one series reach: hours before the last scan, oldest first.
            List<long[]> points = series.get(0).points();
            StringBuilder ages = new StringBuilder();
            for (int i : new int[] {0, 1, 2, 3, points.size() / 4, points.size() / 2, points.size() * 3 / 4}) {
                if (i < points.size()) {
                    ages.append(ages.length() == 0 ? "" : ",").append(String.format(java.util.Locale.ROOT, "%d:%.2f", i,
                            (clock.millis() - points.get(i)[0]) / 3_600_000.0));
                }
            }
            System.out.println("info pointAgesHours " + ages);
        }
        Reference.reachabilityFence(registry);
        PeerProcess.closeWithReset(clients);
        for (ServerSocket server : servers) {
            server.close();
        }
        System.exit(0);
    }

    /**
     * The kernel's rows of these listeners' connections, read once and handed out again at every
     * read as new objects, as a real read makes them: a day of real reads of a busy namespace took
     * minutes, and what the kernel's read costs is not what this probe measures.
     */
    private static TcpTable replay(TcpTable table, Set<Integer> ports) throws IOException {
        List<TcpConnection> rows = new ArrayList<>();
        table.read(EnumSet.allOf(TcpState.class), row -> {
            if (row.state() != TcpState.LISTEN && (ports.contains(row.remote().port()) || ports.contains(row.local().port()))) {
                rows.add(row);
            }
        });
        return new TcpTable() {
            @Override
            public void read(Set<TcpState> states, Consumer<TcpConnection> sink) {
                for (TcpConnection row : rows) {
                    if (states.contains(row.state())) {
                        sink.accept(new TcpConnection(copy(row.local()), copy(row.remote()), row.state(), row.inode(),
                                row.pid()));
                    }
                }
            }

            @Override
            public String describe() {
                return "the kernel's rows of " + rows.size() + " connections, read once from " + table.describe()
                        + " and replayed";
            }
        };
    }

    private static Endpoint copy(Endpoint endpoint) {
        return Endpoint.of(endpoint.inetAddress(), endpoint.port());
    }

    /**
     * The series' arrays, read from the scanner's {@code Timeline} (in its {@code Picture}) by
     * reflection: {@code <series> <long elements> <int elements>} in all, so that their bytes can be
     * told from other arrays'.
     */
    static String seriesArrays(CloseWaitScanner scanner) throws ReflectiveOperationException {
        Object picture = field(CloseWaitScanner.class, "picture").get(scanner);
        Object timeline = field(picture.getClass(), "timeline").get(picture);
        Map<?, ?> byRemote = (Map<?, ?>) field(timeline.getClass(), "series").get(timeline);
        long longs = 0;
        long ints = 0;
        for (Object one : byRemote.values()) {
            for (java.lang.reflect.Field array : one.getClass().getDeclaredFields()) {
                array.setAccessible(true);
                Object value = array.get(one);
                if (value instanceof long[]) {
                    longs += ((long[]) value).length;
                } else if (value instanceof int[]) {
                    ints += ((int[]) value).length;
                }
            }
        }
        return byRemote.size() + " " + longs + " " + ints;
    }

    private static java.lang.reflect.Field field(Class<?> type, String name) throws NoSuchFieldException {
        java.lang.reflect.Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field;
    }

    /** Scans {@code count} times, the clock one interval on before each; returns {@code count}. */
    private static long scan(CloseWaitScanner scanner, MovableClock clock, long count) {
        for (long i = 0; i < count; i++) {
            clock.advance(INTERVAL_MILLIS);
            scanner.scan();
        }
        return count;
    }

    /** A throw-away registry and scanner with one CLOSE_WAIT socket: what loads once is loaded before the histograms. */
    private static void warmUp(TcpTable table, InetAddress loopback) throws IOException, InterruptedException {
        MovableClock clock = new MovableClock();
        SocketRegistry registry = new SocketRegistry(clock);
        try (ServerSocket server = new ServerSocket(0, 50, loopback);
             Socket client = new Socket(loopback, server.getLocalPort())) {
            server.accept().close();
            awaitCloseWait(table, Set.of(server.getLocalPort()), 1);
            CloseWaitScanner scanner = new CloseWaitScanner(registry, replay(table, Set.of(server.getLocalPort())), clock,
                    GRACE_MILLIS, 1000, new StackFrames(), message -> { });
            registry.opened(client, ConnectionEvents.ORIGIN_CONNECT);
            scan(scanner, clock, 500);
            scanner.report(ProcessHandle.current().pid());
            client.setSoLinger(true, 0);
        }
    }

    private static void awaitCloseWait(TcpTable table, Set<Integer> remotePorts, int wanted)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int[] rows = new int[1];
        do {
            rows[0] = 0;
            table.read(EnumSet.of(TcpState.CLOSE_WAIT), row -> rows[0] += remotePorts.contains(row.remote().port()) ? 1 : 0);
        } while (rows[0] < wanted && System.nanoTime() < deadline && sleep());
        if (rows[0] < wanted) {
            throw new IOException(rows[0] + " CLOSE_WAIT rows, not " + wanted);
        }
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(50);
        return true;
    }

    private static void print(String label, Map<String, long[]> delta) {
        for (Map.Entry<String, long[]> entry : control.entrySet()) {
            long[] counts = delta.computeIfAbsent(entry.getKey(), name -> new long[2]);
            counts[0] -= entry.getValue()[0];
            counts[1] -= entry.getValue()[1];
        }
        long instances = 0;
        long bytes = 0;
        for (Map.Entry<String, long[]> entry : delta.entrySet()) {
            instances += entry.getValue()[0];
            bytes += entry.getValue()[1];
            if (entry.getValue()[1] != 0) {
                System.out.println("class " + label + " " + entry.getKey() + " " + entry.getValue()[0] + " "
                        + entry.getValue()[1]);
            }
        }
        System.out.println("total " + label + " " + instances + " " + bytes);
    }

    /** The agent's clock, moved by the probe: a day of scans without a day of waiting. */
    private static final class MovableClock extends Clock {
        private long millis = System.currentTimeMillis();

        void advance(long delta) {
            millis += delta;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
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
