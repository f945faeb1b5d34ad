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
                return "unknown";
            }
        }
        return String.format(Locale.ROOT, "%,d rows (%,d in TIME_WAIT)", rows, timeWait);
    }
}
