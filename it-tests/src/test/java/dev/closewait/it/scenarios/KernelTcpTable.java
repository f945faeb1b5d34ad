package dev.closewait.it.scenarios;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The tests' one oracle for the kernel's TCP table: Linux's {@code /proc/.../net/tcp} and {@code tcp6},
 * read independently of the agent (which may read netlink). States are the two-digit hex codes of
 * the {@code st} column; {@code KernelTcpTableTest} pins them to the agent's {@code TcpState}.
 * Scenario JVMs use it too, some without the agent on their class path: it depends on nothing.
 */
public final class KernelTcpTable {

    public static final String ESTABLISHED = "01";
    public static final String TIME_WAIT = "06";
    /** The peer sent FIN; this side has not closed: what closewait is about. */
    public static final String CLOSE_WAIT = "08";
    public static final String LISTEN = "0A";

    /** Ten seconds: a FIN on loopback arrives in microseconds, but a loaded 2-core machine may stall. */
    private static final Duration SETTLE = Duration.ofSeconds(10);

    private KernelTcpTable() {
    }

    /**
     * The state of the connection from {@code localPort} to {@code remotePort} (any remote port if
     * negative) in this process's network namespace, or {@code null} if there is no such row.
     * LISTEN rows never match, and neither do TIME_WAIT rows: on a busy machine another process's
     * finished connection may have used the same port.
     */
    public static String state(int localPort, int remotePort) {
        String local = String.format(Locale.ROOT, ":%04X", localPort);
        String remote = String.format(Locale.ROOT, ":%04X", remotePort);
        for (String[] row : rows("/proc/self/net/", st -> !st.equals(LISTEN) && !st.equals(TIME_WAIT))) {
            if (row[1].endsWith(local) && (remotePort < 0 || row[2].endsWith(remote))) {
                return row[3];
            }
        }
        return null;
    }

    /** The state of the connection with {@code localPort}, whatever its remote port. */
    public static String state(int localPort) {
        return state(localPort, -1);
    }

    /** Waits until the connection's state is {@code state}; {@code null} waits for its row to go. */
    public static void await(int localPort, int remotePort, String state) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!Objects.equals(state, state(localPort, remotePort))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("port " + localPort + " never reached state " + state
                        + " within " + SETTLE + " (now " + state(localPort, remotePort) + ")");
            }
            Thread.sleep(10);
        }
    }

    /** Waits until {@code localPort}'s connection is in CLOSE_WAIT. */
    public static void awaitCloseWait(int localPort) throws InterruptedException {
        await(localPort, -1, CLOSE_WAIT);
    }

    /**
     * Rows in {@code state} towards 127.0.0.1:{@code remotePort} in this network namespace. Java's
     * sockets are dual-stack: their rows are in {@code tcp6} with the address IPv4-mapped, so they
     * end as {@code tcp}'s do.
     */
    public static int rowsTowards(int remotePort, String state) {
        String remote = String.format(Locale.ROOT, "0100007F:%04X", remotePort);
        int count = 0;
        for (String[] row : rows("/proc/net/", state::equals)) {
            if (row[2].endsWith(remote)) {
                count++;
            }
        }
        return count;
    }

    /**
     * The rows of {@code tcp} and {@code tcp6} under {@code directory} whose {@code st} column passes
     * {@code wanted}, split on blanks (header skipped). The column is looked at before a row is split:
     * a host that churns connections holds tens of thousands of TIME_WAIT rows, and a scenario polls.
     */
    private static List<String[]> rows(String directory, Predicate<String> wanted) {
        List<String[]> rows = new java.util.ArrayList<>();
        for (String table : List.of("tcp", "tcp6")) {
            Path path = Path.of(directory + table);
            if (!Files.exists(path)) {
                continue;
            }
            try {
                for (String line : Files.readAllLines(path)) {
                    String st = stateColumn(line);
                    if (st != null && wanted.test(st)) {
                        String[] fields = line.trim().split("\\s+");
                        if (!fields[0].equals("sl")) {
                            rows.add(fields);
                        }
                    }
                }
            } catch (IOException unreadable) {
                throw new UncheckedIOException(unreadable);
            }
        }
        return rows;
    }

    /** A row's fourth blank-separated field, its {@code st}; {@code null} for a line with fewer. */
    public static String stateColumn(String line) {
        int at = 0;
        for (int field = 0; ; field++) {
            while (at < line.length() && line.charAt(at) == ' ') {
                at++;
            }
            int end = line.indexOf(' ', at);
            if (at == line.length()) {
                return null;
            }
            if (field == 3) {
                return line.substring(at, end < 0 ? line.length() : end);
            }
            if (end < 0) {
                return null;
            }
            at = end;
        }
    }
}
