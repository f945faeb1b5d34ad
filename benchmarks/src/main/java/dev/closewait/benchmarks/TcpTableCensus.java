package dev.closewait.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;

/**
 * How big the kernel's TCP table is right now: the agent's scanner reads all of it, so a table
 * swollen by other processes (or by TIME_WAIT rows of an earlier benchmark) costs the agent more.
 */
final class TcpTableCensus {

    private static final String TIME_WAIT = "06";

    private TcpTableCensus() {
    }

    /** "12 rows (3 in TIME_WAIT)", or "unknown" where there is no {@code /proc/net/tcp}. */
    static String describe() {
        int[] counts = count();
        return counts == null ? "unknown" : String.format(Locale.ROOT, "%,d rows (%,d in TIME_WAIT)", counts[0], counts[1]);
    }

    /**
     * Waits, saying so, until fewer than {@code limit} rows are in TIME_WAIT: rows that earlier
     * connections left (the kernel keeps them 60 s) would be counted in a scan's cost. Gives up
     * after {@code maxSeconds}.
     */
    static void awaitTimeWaitBelow(int limit, int maxSeconds) throws InterruptedException {
        int[] counts = count();
        if (counts == null || counts[1] < limit) {
            return;
        }
        System.out.printf(Locale.ROOT, "  waiting for %,d TIME_WAIT rows left by earlier connections to expire"
                + " (the kernel keeps them 60 s):", counts[1]);
        for (int waited = 0; waited < maxSeconds && counts != null && counts[1] >= limit; waited += 5) {
            Thread.sleep(5_000);
            counts = count();
            System.out.printf(Locale.ROOT, " %,d", counts == null ? 0 : counts[1]);
        }
        System.out.println();
    }

    /** {rows, rows in TIME_WAIT}, or {@code null} where the table cannot be read. */
    private static int[] count() {
        int rows = 0;
        int timeWait = 0;
        for (Path file : List.of(Paths.get("/proc/net/tcp"), Paths.get("/proc/net/tcp6"))) {
            try {
                List<String> lines = Files.readAllLines(file);
                for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                    String[] fields = line.trim().split("\\s+");
                    rows++;
                    if (fields.length > 3 && fields[3].equals(TIME_WAIT)) {
                        timeWait++;
                    }
                }
            } catch (IOException | RuntimeException unreadable) {
                return null;
            }
        }
        return new int[] {rows, timeWait};
    }
}
