package dev.closewait.benchmarks;

import dev.closewait.benchmarks.probe.ScanStatesProbe;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The scan with this JVM's TIME_WAIT and FIN_WAIT_2 rows in the table, at 1,000 and 10,000
 * connections, next to the same scan given CLOSE_WAIT rows only: runs {@link ScanStatesProbe}.
 */
final class ScanStatesCost {

    static final String TITLE = "scan with TIME_WAIT and FIN_WAIT_2 rows";
    private static final int[] COUNTS = {1_000, 10_000};
    private final SuiteOptions options;

    ScanStatesCost(SuiteOptions options) {
        this.options = options;
    }

    List<Result> measure() throws IOException, InterruptedException {
        ScanProbeRun run = ScanProbeRun.run(options, ScanStatesProbe.class, COUNTS);
        // Its 10,000 TIME_WAIT rows would swell the table the benchmarks after it read.
        TcpTableCensus.awaitTimeWaitBelow(1_000, 70);
        if (run.info("skipped") != null) {
            return List.of(Result.skipped(TITLE, "—", run.info("skipped")));
        }
        StringBuilder details = new StringBuilder(String.format(Locale.ROOT,
                "`%s`, in a JVM of its own with the shaded agent jar on its class path, calls the agent's registry"
                        + " and scanner as the agent does. N real loopback connections to a peer process stay open,"
                        + " 1 %% of them closed by the peer (CLOSE_WAIT here). Then the extra rows are made for real,"
                        + " each socket registered and closed as the socket advice reports it: N connections to 16"
                        + " churn ports of the peer, closed here first and then by the peer (TIME_WAIT here), and"
                        + " N / 100 to the port where the peer never closes, closed here (FIN_WAIT_2 here, CLOSE_WAIT"
                        + " there). Three fresh scanners over the same registry then run in turn, each first in turn:"
                        + " _CLOSE_WAIT only_ is the scanner given CLOSE_WAIT rows alone, as it read before FIN_WAIT_2 and"
                        + " TIME_WAIT were added; _quiet_ has its clock 151 s past the last change of the tracked count,"
                        + " so it reads CLOSE_WAIT and FIN_WAIT_2 and skips TIME_WAIT; _active_ reads TIME_WAIT too, every"
                        + " scan (the scanner's fastest TIME_WAIT read is set to zero by reflection: on its own it reads"
                        + " TIME_WAIT every tenth scan once its fastest such read takes 2 ms or more; the last column says"
                        + " what it chose). _No extra rows_ is the agent's scan before they were made, as in the `scan`"
                        + " row. %d measured rounds after %d warm-up ones; milliseconds, median (90th percentile; worst)."
                        + " The probe's JVM ran %s; the agent read TCP states from %s.%n%n"
                        + "| open connections | rows: all / TIME_WAIT (this probe's) / FIN_WAIT_2 (this probe's) | no extra rows | CLOSE_WAIT only | quiet: + FIN_WAIT_2 | active: + FIN_WAIT_2 + TIME_WAIT | table read: CLOSE_WAIT | + FIN_WAIT_2 | + TIME_WAIT | the agent's own TIME_WAIT cadence |%n"
                        + "|---|---|---|---|---|---|---|---|---|---|%n",
                ScanStatesProbe.class.getSimpleName(), options.mode.scanRounds, options.mode.scanWarmupRounds,
                run.nativeAccess ? "with `" + ScanProbeRun.NATIVE_ACCESS + "`" : "without `" + ScanProbeRun.NATIVE_ACCESS + "`",
                run.info("table", "an unknown table")));
        List<Result> results = new ArrayList<>();
        for (int count : COUNTS) {
            double fastest = Double.parseDouble(run.info(count + ".fastestTimeWaitReadMillis"));
            String cadence = String.format(Locale.ROOT, "fastest read %s ms: every %s", AgentComparison.format(fastest),
                    fastest < 2 ? "scan" : "tenth scan");
            details.append(String.format(Locale.ROOT, "| %,d | %s / %s / %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    count, run.info(count + ".tableRows"), run.info(count + ".timeWaitRows"),
                    run.info(count + ".finWait2Rows"), cell(run, count + ".noExtraRows"),
                    cell(run, count + ".closeWaitOnly"), cell(run, count + ".quiet"),
                    cell(run, count + ".active"), cell(run, count + ".read.cw"),
                    cell(run, count + ".read.cwfw2"), cell(run, count + ".read.cwfw2tw"), cadence));
            String measured = String.format(Locale.ROOT, "active %s ms, quiet %s ms; CLOSE_WAIT only %s ms",
                    median(run, count + ".active"), median(run, count + ".quiet"),
                    median(run, count + ".closeWaitOnly"));
            System.out.printf(Locale.ROOT, "  %,d connections: %s%n", count, measured);
            results.add(new Result(String.format(Locale.ROOT, "%s, %,d connections", TITLE, count), "—",
                    median(run, count + ".active") + " ms", measured, "—", Result.Verdict.NO_GOAL, null));
        }
        details.append(String.format(Locale.ROOT, "%nAfter the rounds: at 1,000 %s TIME_WAIT and %s FIN_WAIT_2 rows"
                        + " of the probe were left, at 10,000 %s and %s (the kernel drops them after 60 s; the rounds"
                        + " took %s s and %s s). TIME_WAIT reads in the rounds: active %s and %s, quiet %s and %s. The"
                        + " table is the whole network namespace's, other processes' rows too: %s rows in TIME_WAIT"
                        + " in all at 10,000. Between the two counts the probe waited %s s for its extra rows to expire.%n",
                run.info("1000.timeWaitRowsAfter"), run.info("1000.finWait2RowsAfter"),
                run.info("10000.timeWaitRowsAfter"), run.info("10000.finWait2RowsAfter"),
                seconds(run.info("1000.roundsSeconds")), seconds(run.info("10000.roundsSeconds")),
                run.info("1000.activeTimeWaitReads"), run.info("10000.activeTimeWaitReads"),
                run.info("1000.quietTimeWaitReads"), run.info("10000.quietTimeWaitReads"),
                run.info("10000.allTimeWaitRows"), run.info("waitedSeconds", "?")));
        Result last = results.remove(results.size() - 1);
        results.add(new Result(last.benchmark(), last.without(), last.with(), last.measured(), last.goal(),
                last.verdict(), details.toString()));
        return results;
    }

    private static String seconds(String value) {
        return value == null ? "?" : String.format(Locale.ROOT, "%.1f", Double.parseDouble(value));
    }

    private static String median(ScanProbeRun run, String key) {
        return AgentComparison.format(Stats.median(run.values(key)));
    }

    private static String cell(ScanProbeRun run, String key) {
        double[] values = run.values(key);
        return AgentComparison.format(Stats.median(values)) + " (" + AgentComparison.format(Stats.percentile(values, 90))
                + "; " + AgentComparison.format(Stats.percentile(values, 100)) + ")";
    }

}
