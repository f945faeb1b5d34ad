package dev.closewait.benchmarks;

import dev.closewait.benchmarks.probe.SeriesMemoryProbe;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the scanner's time series retain at 100 remotes after a day of scans: runs
 * {@link SeriesMemoryProbe} and reads its class histograms.
 */
final class SeriesMemoryCost {

    static final String TITLE = "memory of the time series, 100 remotes";
    static final int REMOTES = 100;
    /** A day and an hour: past the day, the oldest points are dropped. */
    static final int HOURS = 25;
    /** The scanner keeps series for this many remotes at most ({@code Timeline.MAX_REMOTES}). */
    static final int MAX_REMOTES = 128;
    /** What the Timeline's Javadoc promises per remote. */
    /** An array's header on a 64-bit HotSpot JVM with compressed class pointers; objects align to 8 bytes. */
    private static final int ARRAY_HEADER = 16;

    private final SuiteOptions options;

    SeriesMemoryCost(SuiteOptions options) {
        this.options = options;
    }

    Result measure() throws IOException, InterruptedException {
        List<String> command = List.of(options.java, "-Xms1g", "-Xmx1g", "-cp", options.probeClassPath(),
                SeriesMemoryProbe.class.getName(), String.valueOf(REMOTES), String.valueOf(HOURS));
        Map<String, Map<String, long[]>> byLabel = new HashMap<>();
        Map<String, Long> totals = new HashMap<>();
        Map<String, String> info = new HashMap<>();
        for (String line : ChildJvm.run(command, 600)) {
            String[] words = line.split(" ");
            switch (words[0]) {
                case "class" -> byLabel.computeIfAbsent(words[1], k -> new HashMap<>())
                        .put(words[2], new long[] {Long.parseLong(words[3]), Long.parseLong(words[4])});
                case "total" -> totals.put(words[1], Long.parseLong(words[3]));
                case "info" -> info.put(words[1], line.substring(words[0].length() + words[1].length() + 2));
                default -> { }
            }
        }
        Map<String, long[]> end = byLabel.getOrDefault("end", Map.of());
        String[] arrays = info.get("seriesArrays").split(" ");
        int series = Integer.parseInt(arrays[0]);
        long seriesObjects = end.getOrDefault("dev.closewait.agent.detect.Timeline$Series", new long[2])[1];
        // Each series: one long[] and two int[] (the histogram cannot tell them from other arrays).
        long arrayBytes = series * (aligned(ARRAY_HEADER + 8 * (Long.parseLong(arrays[1]) / series))
                + 2 * aligned(ARRAY_HEADER + 4 * (Long.parseLong(arrays[2]) / series / 2)));
        double perRemote = (double) (seriesObjects + arrayBytes) / series;
        double allPerRemote = (double) totals.get("end") / REMOTES;
        System.out.printf(Locale.ROOT, "  time series: %.0f bytes per remote, %.0f bytes retained per remote in all%n",
                perRemote, allPerRemote);

        StringBuilder details = new StringBuilder(String.format(Locale.ROOT,
                "`%s`, in a JVM of its own with the shaded agent jar on its class path: the agent's registry and"
                        + " scanner, in-process, with a clock the probe moves 5 s (the default `interval`) before each"
                        + " scan, %s scans (%d h). %d remotes, each a listener of the probe with one real connection"
                        + " whose accepted end is closed, so every remote has one CLOSE_WAIT socket at every scan;"
                        + " `grace` is 3 days, so none becomes a finding. The kernel's rows of those connections are"
                        + " read once and replayed to every scan (a day of real reads of this machine's namespace took"
                        + " 3 minutes). Live class histograms (`GC.class_histogram`, after a full GC): once the sockets"
                        + " were open and before they were registered, then after the first scan, an hour, and %d h;"
                        + " what the first histogram's own map holds is taken off.%n%n"
                        + "- Time series: %d series; each a `Timeline$Series` (%d bytes) and its arrays, %s long and %s"
                        + " int elements in all: **%.0f bytes per remote**, %s bytes for %d remotes. They are allocated"
                        + " full at a remote's first point, so this is also the bound: %.0f bytes × %d remotes at most ="
                        + " %s bytes (plus a map entry and the remote's `Endpoint`, about 90 bytes each).%n"
                        + "- Retained in all, per remote (its series, its tracked socket, the registry's and scanner's"
                        + " other state): after the first scan %s bytes, after an hour %s, after %d h %s.%n"
                        + "- Points per series at the end: at most %s; ages of points of one series, index:hours before"
                        + " the last scan: %s. The scans took %s s.%n%n"
                        + "| class (retained after %d h; at least 10 bytes per remote) | instances per remote | bytes per remote |%n"
                        + "|---|---|---|%n",
                SeriesMemoryProbe.class.getSimpleName(), info.get("scans"), HOURS, REMOTES, HOURS, series,
                series == 0 ? 0 : seriesObjects / series, arrays[1], arrays[2], perRemote,
                String.format(Locale.ROOT, "%,d", seriesObjects + arrayBytes), series, perRemote, MAX_REMOTES,
                String.format(Locale.ROOT, "%,.0f", perRemote * MAX_REMOTES),
                perRemoteText(totals.get("first")), perRemoteText(totals.get("hour")), HOURS,
                perRemoteText(totals.get("end")), info.get("mostPoints"), info.get("pointAgesHours"),
                String.format(Locale.ROOT, "%.1f", Double.parseDouble(info.get("scanSeconds"))), HOURS));
        List<Map.Entry<String, long[]>> biggest = new ArrayList<>(end.entrySet());
        biggest.removeIf(entry -> Math.abs(entry.getValue()[1]) < 10L * REMOTES);
        biggest.sort((a, b) -> Long.compare(Math.abs(b.getValue()[1]), Math.abs(a.getValue()[1])));
        for (Map.Entry<String, long[]> entry : biggest) {
            details.append(String.format(Locale.ROOT, "| `%s` | %.2f | %.0f |%n", entry.getKey(),
                    (double) entry.getValue()[0] / REMOTES, (double) entry.getValue()[1] / REMOTES));
        }
        return new Result(TITLE, "—", String.format(Locale.ROOT, "%.0f B per remote", perRemote),
                String.format(Locale.ROOT, "%.0f bytes per remote, %s for %d; at most %s for %d", perRemote,
                        kilobytes(seriesObjects + arrayBytes), series, kilobytes(perRemote * MAX_REMOTES), MAX_REMOTES),
                String.format(Locale.ROOT, "≤ %.0f KB per remote", Goals.SERIES_BYTES_PER_REMOTE / 1024),
                Result.Verdict.of(perRemote <= Goals.SERIES_BYTES_PER_REMOTE), details.toString());
    }

    private static String perRemoteText(Long total) {
        return total == null ? "?" : String.format(Locale.ROOT, "%,.0f", (double) total / REMOTES);
    }

    private static String kilobytes(double bytes) {
        return String.format(Locale.ROOT, "%.0f kB", bytes / 1000);
    }

    private static long aligned(long bytes) {
        return (bytes + 7) / 8 * 8;
    }
}
