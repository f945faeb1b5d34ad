package dev.closewait.benchmarks;

import dev.closewait.benchmarks.probe.ScanCostProbe;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One scan of the TCP table with 1,000 and 10,000 connections open: runs {@link ScanCostProbe} and reads its samples. */
final class ScanCost {

    private static final int[] COUNTS = {1_000, 10_000};

    private final SuiteOptions options;

    ScanCost(SuiteOptions options) {
        this.options = options;
    }

    List<Result> measure() throws IOException, InterruptedException {
        ScanProbeRun run = ScanProbeRun.run(options, ScanCostProbe.class, COUNTS);
        if (run.info("skipped") != null) {
            return List.of(Result.skipped("scan", goal(), run.info("skipped")));
        }
        StringBuilder details = new StringBuilder(String.format(Locale.ROOT,
                "`%s`, in a JVM of its own with the shaded agent jar on its class path: real loopback connections"
                        + " to a peer process, each registered in the agent's `SocketRegistry` as the socket advice"
                        + " does; the peer closes 1 %% of them so CLOSE_WAIT rows exist. %d measured rounds after %d"
                        + " warm-up ones; milliseconds, median (90th percentile). The first scan after the sockets"
                        + " opened is shown apart: it also interns their creation stacks, once. The probe's JVM ran"
                        + " %s; the agent read TCP states from %s; its peer-close watch: %s. _As the agent runs it_"
                        + " is the scan with that watch, which takes the rows of its last read while the watch hears"
                        + " of no peer's FIN or reset and no socket closes (_measured scans that read_ says how many"
                        + " read all the same: port pressure reads TIME_WAIT rows within 150 s of an open, every"
                        + " tenth scan where such a read takes 2 ms or more, every scan where it is cheaper);"
                        + " _reading every time_ is the same scan without the watch.%n%n"
                        + "| open connections | table rows (both ends) | `/proc` text | whole scan, as the agent runs it | measured scans that read | its own work (less its table reads) | whole scan, reading every time | whole scan on `/proc` | netlink read (CLOSE_WAIT filter) | `/proc` read + parse (CLOSE_WAIT filter) | `/proc` read only | `/proc` parse only | first scan after opening | for comparison: `ss -tanH state close-wait` |%n"
                        + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|%n",
                ScanCostProbe.class.getSimpleName(), options.mode.scanRounds, options.mode.scanWarmupRounds,
                run.nativeAccess ? "with `" + ScanProbeRun.NATIVE_ACCESS + "`" : "without `" + ScanProbeRun.NATIVE_ACCESS + "` (this JDK has no such flag)",
                run.info("table", "an unknown table"), run.info("watch", "not known")));
        List<Result> results = new ArrayList<>();
        for (int count : COUNTS) {
            double[] scan = run.values(count + ".scan");
            long replayed = Long.parseLong(run.info(count + ".scansWithoutRead", "0"));
            details.append(String.format(Locale.ROOT, "| %,d | %s | %s kB | %s | %d of %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    count, run.info(count + ".tableRows"), Long.parseLong(run.info(count + ".tableBytes")) / 1000,
                    cell(scan), scan.length - replayed, scan.length, cell(run.values(count + ".scanOwn")),
                    run.has(count + ".scanReading") ? cell(run.values(count + ".scanReading")) : "—",
                    cell(run.values(count + ".procScan")),
                    run.has(count + ".netlinkTable") ? cell(run.values(count + ".netlinkTable"))
                            : "not loaded",
                    cell(run.values(count + ".table")), cell(run.values(count + ".read")),
                    cell(run.values(count + ".parse")),
                    AgentComparison.format(Double.parseDouble(run.info(count + ".firstScanMillis"))),
                    run.has(count + ".netlink") ? cell(run.values(count + ".netlink")) : "no `ss` here"));
            boolean goal = count == Goals.SCAN_CONNECTIONS;
            String measured = String.format(Locale.ROOT, "%s ms", AgentComparison.format(Stats.median(scan)));
            System.out.printf(Locale.ROOT, "  scan with %,d connections: %s%n", count, measured);
            results.add(new Result(String.format(Locale.ROOT, "scan, %,d connections", count), "—", measured,
                    measured, goal ? goal() : "—",
                    goal ? Result.Verdict.of(Stats.median(scan) <= Goals.SCAN_MILLIS) : Result.Verdict.NO_GOAL, null));
        }
        details.append(String.format(Locale.ROOT, "%nBoth ends of each connection are rows of the table (the peer"
                + " runs on this machine), and the agent's scanner reads every row of the network namespace,"
                + " other processes' too. _Read only_ is the kernel writing the table's text; it grows with the"
                + " rows of the whole namespace, not with the sockets this JVM tracks. Over netlink"
                + " (`sock_diag`, what `ss` uses) the kernel filters by state and copies out only the"
                + " CLOSE_WAIT rows, in binary; `ss` itself is a process of its own, timed for comparison.%n"));
        if (run.has("0.netlinkTable")) {
            details.append(String.format(Locale.ROOT, "%nBefore any of these connections opened, the same netlink"
                    + " read took %s ms: the kernel walks every bucket of its table of connections, however few"
                    + " rows it holds and whichever states are asked for, so that much of every scan is the"
                    + " kernel's, whatever the agent does.%n", cell(run.values("0.netlinkTable"))));
        }
        Result last = results.remove(results.size() - 1);
        results.add(new Result(last.benchmark(), last.without(), last.with(), last.measured(), last.goal(),
                last.verdict(), details.toString()));
        String reading = Goals.SCAN_CONNECTIONS + ".scanReading";
        if (run.has(reading)) {
            String measured = String.format(Locale.ROOT, "%s ms", AgentComparison.format(Stats.median(run.values(reading))));
            results.add(new Result(String.format(Locale.ROOT, "scan, %,d connections, reading the table every time",
                    Goals.SCAN_CONNECTIONS), "—", measured, measured, "—", Result.Verdict.NO_GOAL, null));
        }
        return results;
    }

    private static String goal() {
        return String.format(Locale.ROOT, "≤ %s ms at %,d (worst of several runs ≤ %s ms)",
                AgentComparison.format(Goals.SCAN_MILLIS), Goals.SCAN_CONNECTIONS,
                AgentComparison.format(Goals.SCAN_WORST_RUN_MILLIS));
    }

    /** JDK 17 and later know the flag (a no-op for JNI before JDK 24); JDK 11 would refuse to start. */

    private static String cell(double[] values) {
        return AgentComparison.format(Stats.median(values)) + " (" + AgentComparison.format(Stats.percentile(values, 90))
                + ")";
    }

}
