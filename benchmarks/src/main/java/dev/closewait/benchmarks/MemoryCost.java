package dev.closewait.benchmarks;

import dev.closewait.benchmarks.probe.MemoryProbe;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Retained heap per tracked open socket: runs {@link MemoryProbe} without and with the agent, each
 * holding N = 10,000 open connections, and divides the difference of the two live-heap deltas by N.
 */
final class MemoryCost {

    static final int SOCKETS = 10_000;
    private static final double GOAL_BYTES = 300;
    /** Longer than one scan interval (5 s by default), as an application that holds its connections would see. */
    private static final long SETTLE_MILLIS = 6_000;

    private final SuiteOptions options;

    MemoryCost(SuiteOptions options) {
        this.options = options;
    }

    Result measure() throws IOException, InterruptedException {
        Histogram without = run();
        Histogram with = run(options.javaagent());
        double perSocket = (double) (with.totalBytes - without.totalBytes) / SOCKETS;
        System.out.printf(Locale.ROOT, "  memory: %.0f bytes per tracked socket%n", perSocket);

        Map<String, long[]> added = new HashMap<>();
        for (Map.Entry<String, long[]> entry : with.byClass.entrySet()) {
            long[] base = without.byClass.getOrDefault(entry.getKey(), new long[2]);
            added.put(entry.getKey(), new long[] {entry.getValue()[0] - base[0], entry.getValue()[1] - base[1]});
        }
        for (Map.Entry<String, long[]> entry : without.byClass.entrySet()) {
            added.putIfAbsent(entry.getKey(), new long[] {-entry.getValue()[0], -entry.getValue()[1]});
        }
        List<Map.Entry<String, long[]>> biggest = new ArrayList<>(added.entrySet());
        biggest.removeIf(entry -> Math.abs(entry.getValue()[1]) < SOCKETS); // under a byte per socket
        biggest.sort((a, b) -> Long.compare(Math.abs(b.getValue()[1]), Math.abs(a.getValue()[1])));

        StringBuilder details = new StringBuilder(String.format(Locale.ROOT,
                "`%s` opens N = %,d loopback connections to a peer process, all from one call site, and holds"
                        + " them; a live class histogram (`GC.class_histogram`, after a full GC) is taken before"
                        + " opening them and %d s after. Run once without and once with the agent: retained per"
                        + " tracked socket = (heap delta with agent − heap delta without) / N.%n%n"
                        + "Heap delta for N sockets: %,d bytes without the agent, %,d bytes with it.%n%n"
                        + "| class (with agent − without, classes of at least 1 byte per socket) | instances per socket | bytes per socket |%n|---|---|---|%n",
                MemoryProbe.class.getSimpleName(), SOCKETS, SETTLE_MILLIS / 1000, without.totalBytes,
                with.totalBytes));
        for (Map.Entry<String, long[]> entry : biggest) {
            details.append(String.format(Locale.ROOT, "| `%s` | %.2f | %.0f |%n", entry.getKey(),
                    (double) entry.getValue()[0] / SOCKETS, (double) entry.getValue()[1] / SOCKETS));
        }
        return new Result("memory per tracked socket", "—", String.format(Locale.ROOT, "%.0f B", perSocket),
                String.format(Locale.ROOT, "%.0f bytes", perSocket), String.format(Locale.ROOT, "≤ %.0f bytes", GOAL_BYTES),
                Result.Verdict.of(perSocket <= GOAL_BYTES), details.toString());
    }

    private Histogram run(String... jvmArgs) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(options.java, "-Xms1g", "-Xmx1g"));
        command.addAll(List.of(jvmArgs));
        command.addAll(List.of("-cp", options.benchmarksJar.toString(), MemoryProbe.class.getName(),
                String.valueOf(SOCKETS), String.valueOf(SETTLE_MILLIS)));
        Histogram histogram = new Histogram();
        for (String line : ChildJvm.run(command, 300)) {
            String[] words = line.split(" ");
            if (words[0].equals("class")) {
                long[] counts = histogram.byClass.computeIfAbsent(sameAcrossJvms(words[1]), name -> new long[2]);
                counts[0] += Long.parseLong(words[2]);
                counts[1] += Long.parseLong(words[3]);
            } else if (words[0].equals("total")) {
                histogram.totalBytes = Long.parseLong(words[2]);
            }
        }
        return histogram;
    }

    /** {@code Foo$$Lambda$68/0x00007f3e101c0000} -> {@code Foo$$Lambda}: hidden classes get other names in another JVM. */
    private static String sameAcrossJvms(String className) {
        return className.replaceAll("\\$\\$Lambda.*", "\\$\\$Lambda");
    }

    /** A heap delta by class: instances and bytes. */
    private static final class Histogram {
        final Map<String, long[]> byClass = new HashMap<>();
        long totalBytes;
    }
}
