package dev.closewait.benchmarks;

import dev.closewait.benchmarks.probe.MemoryProbe;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Retained heap per tracked open socket: runs {@link MemoryProbe} without and with the agent (and
 * with the peer agent of {@code --peer-agent}, if named), alternating, each run holding N = 10,000
 * open connections, and divides the difference of the median live-heap deltas of each agent's side
 * and the side without by N.
 */
final class MemoryCost {

    static final int SOCKETS = 10_000;
    private static final int RUNS = 3;
    /**
     * The agent runs with {@code interval=1s} here (its only non-default option) and the probe waits
     * 2 s: the scanner has then run at least once with the sockets open, as it does for connections
     * an application holds, and interned their creation stacks.
     */
    private static final String AGENT_OPTIONS = "log=off,interval=1s";
    private static final long SETTLE_MILLIS = 2_000;

    private final SuiteOptions options;

    MemoryCost(SuiteOptions options) {
        this.options = options;
    }

    Result measure() throws IOException, InterruptedException {
        List<Histogram> without = new ArrayList<>();
        List<Histogram> with = new ArrayList<>();
        List<Histogram> peer = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            without.add(run());
            with.add(run("-javaagent:" + options.agentJar + "=" + AGENT_OPTIONS));
            if (options.hasPeer()) {
                peer.add(run(options.peer.javaagent()));
            }
        }
        double withoutBytes = median(without, null);
        double perSocket = (median(with, null) - withoutBytes) / SOCKETS;
        double peerPerSocket = options.hasPeer() ? (median(peer, null) - withoutBytes) / SOCKETS : Double.NaN;
        System.out.printf(Locale.ROOT, "  memory: %.0f bytes per tracked socket%s%n", perSocket,
                options.hasPeer() ? String.format(Locale.ROOT, ", %.0f with the peer", peerPerSocket) : "");

        StringBuilder details = new StringBuilder(String.format(Locale.ROOT,
                "`%s` opens N = %,d loopback connections to a peer process, all from one call site, and holds"
                        + " them. A live class histogram (`GC.class_histogram`, after a full GC) is taken before"
                        + " opening them (after one first connection, so that what loads once, such as the agent's"
                        + " weaving of the socket classes, is not counted per socket) and %d s after. The agent"
                        + " runs with `%s`, so its scanner has run with the sockets open, as it does for"
                        + " connections an application holds. %d runs of each side, alternating: retained per"
                        + " tracked socket = (median heap delta with the agent − median heap delta without) / N."
                        + " Single runs vary by up to 570 kB (57 bytes per socket) on either side, agent or not:"
                        + " some runs hold 3,800 more byte arrays, 3,100 more strings and 2,200 more hash map"
                        + " entries, none of them the agent's, hence the medians.%n%n"
                        + "Heap delta for N sockets, per run: without the agent %s; with it %s%s.%n%n",
                MemoryProbe.class.getSimpleName(), SOCKETS, SETTLE_MILLIS / 1000, AGENT_OPTIONS, RUNS,
                totals(without), totals(with), options.hasPeer() ? "; with the peer (`" + options.peer.javaagent()
                        + "`) " + totals(peer) : ""));
        details.append(breakdown(options.hasPeer() ? "closewait" : "with agent", with, without));
        Result.Peer peerFigures = null;
        if (options.hasPeer()) {
            details.append(String.format(Locale.ROOT, "%nThe peer retains %.0f bytes per tracked socket:%n%n",
                    peerPerSocket));
            details.append(breakdown("peer", peer, without));
            peerFigures = new Result.Peer(String.format(Locale.ROOT, "%.0f B", peerPerSocket),
                    String.format(Locale.ROOT, "%.0f bytes", peerPerSocket));
        }
        return new Result("memory per tracked socket", "—", String.format(Locale.ROOT, "%.0f B", perSocket),
                String.format(Locale.ROOT, "%.0f bytes", perSocket), String.format(Locale.ROOT, "≤ %.0f bytes", Goals.BYTES_PER_SOCKET),
                Result.Verdict.of(perSocket <= Goals.BYTES_PER_SOCKET), details.toString(), peerFigures);
    }

    /** The table of the classes that {@code agent}'s runs hold more (or fewer) of than those {@code without}, biggest first. */
    private static String breakdown(String label, List<Histogram> agent, List<Histogram> without) {
        Set<String> classes = new HashSet<>();
        agent.forEach(histogram -> classes.addAll(histogram.byClass.keySet()));
        without.forEach(histogram -> classes.addAll(histogram.byClass.keySet()));
        Map<String, double[]> added = new HashMap<>();
        for (String name : classes) {
            double instances = medianInstances(agent, name) - medianInstances(without, name);
            double bytes = median(agent, name) - median(without, name);
            if (Math.abs(bytes) >= SOCKETS) { // a byte per socket or more
                added.put(name, new double[] {instances / SOCKETS, bytes / SOCKETS});
            }
        }
        List<Map.Entry<String, double[]>> biggest = new ArrayList<>(added.entrySet());
        biggest.sort((a, b) -> Double.compare(Math.abs(b.getValue()[1]), Math.abs(a.getValue()[1])));
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "| class (%s − without, medians; classes"
                + " of at least 1 byte per socket) | instances per socket | bytes per socket |%n|---|---|---|%n", label));
        for (Map.Entry<String, double[]> entry : biggest) {
            table.append(String.format(Locale.ROOT, "| `%s` | %.2f | %.0f |%n", entry.getKey(),
                    entry.getValue()[0], entry.getValue()[1]));
        }
        return table.toString();
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

    /** The median bytes of {@code className} (or of the whole delta, for {@code null}) over the runs. */
    private static double median(List<Histogram> runs, String className) {
        return Stats.median(runs.stream().mapToDouble(h -> className == null ? h.totalBytes
                : h.byClass.getOrDefault(className, new long[2])[1]).toArray());
    }

    private static double medianInstances(List<Histogram> runs, String className) {
        return Stats.median(runs.stream().mapToDouble(h -> h.byClass.getOrDefault(className, new long[2])[0])
                .toArray());
    }

    private static String totals(List<Histogram> runs) {
        List<String> totals = new ArrayList<>();
        for (Histogram run : runs) {
            totals.add(String.format(Locale.ROOT, "%,d", run.totalBytes));
        }
        return String.join(", ", totals) + " bytes";
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
