package dev.closewait.benchmarks;

import dev.closewait.benchmarks.probe.ScanStatesProbe;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The scan with this JVM's TIME_WAIT and FIN_WAIT_2 rows in the table, at 1,000 and 10,000
 * connections, next to the same scan given CLOSE_WAIT rows only: runs {@link ScanStatesProbe}.
 */
final class ScanStatesCost {

    static final String TITLE = "scan with TIME_WAIT and FIN_WAIT_2 rows";
    private static final int[] COUNTS = {1_000, 10_000};
    private static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    private final SuiteOptions options;

    ScanStatesCost(SuiteOptions options) {
        this.options = options;
    }

    List<Result> measure() throws IOException, InterruptedException {
        StringBuilder counts = new StringBuilder();
        for (int count : COUNTS) {
            counts.append(counts.length() == 0 ? "" : ",").append(count);
        }
        TcpTableCensus.awaitTimeWaitBelow(1_000, 70);
        List<String> command = new ArrayList<>(List.of(options.java, "-Xms1g", "-Xmx1g"));
        boolean nativeAccess = ChildJvm.succeeds(List.of(options.java, NATIVE_ACCESS, "-version"));
        if (nativeAccess) {
            command.add(NATIVE_ACCESS);
        }
        command.addAll(List.of("-cp", options.probeClassPath(), ScanStatesProbe.class.getName(), counts.toString(),
                String.valueOf(options.mode.scanWarmupRounds), String.valueOf(options.mode.scanRounds)));
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        Map<String, String> info = new HashMap<>();
        for (String line : ChildJvm.run(command, 900)) {
            String[] words = line.split(" ", 3);
            if (words[0].equals("sample")) {
                samples.computeIfAbsent(words[1], k -> new ArrayList<>()).add(Double.parseDouble(words[2]));
            } else if (words[0].equals("info")) {
                info.put(words[1], words[2]);
            }
        }
        // Its 10,000 TIME_WAIT rows would swell the table the benchmarks after it read.
        TcpTableCensus.awaitTimeWaitBelow(1_000, 70);
        if (info.containsKey("skipped")) {
            return List.of(Result.skipped(TITLE, "—", info.get("skipped")));
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
                nativeAccess ? "with `" + NATIVE_ACCESS + "`" : "without `" + NATIVE_ACCESS + "`",
                info.getOrDefault("table", "an unknown table")));
        List<Result> results = new ArrayList<>();
        for (int count : COUNTS) {
            double fastest = Double.parseDouble(info.get(count + ".fastestTimeWaitReadMillis"));
            String cadence = String.format(Locale.ROOT, "fastest read %s ms: every %s", AgentComparison.format(fastest),
                    fastest < 2 ? "scan" : "tenth scan");
            details.append(String.format(Locale.ROOT, "| %,d | %s / %s / %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    count, info.get(count + ".tableRows"), info.get(count + ".timeWaitRows"),
                    info.get(count + ".finWait2Rows"), cell(samples, count + ".noExtraRows"),
                    cell(samples, count + ".closeWaitOnly"), cell(samples, count + ".quiet"),
                    cell(samples, count + ".active"), cell(samples, count + ".read.cw"),
                    cell(samples, count + ".read.cwfw2"), cell(samples, count + ".read.cwfw2tw"), cadence));
            String measured = String.format(Locale.ROOT, "active %s ms, quiet %s ms; CLOSE_WAIT only %s ms",
                    median(samples, count + ".active"), median(samples, count + ".quiet"),
                    median(samples, count + ".closeWaitOnly"));
            System.out.printf(Locale.ROOT, "  %,d connections: %s%n", count, measured);
            results.add(new Result(String.format(Locale.ROOT, "%s, %,d connections", TITLE, count), "—",
                    median(samples, count + ".active") + " ms", measured, "—", Result.Verdict.NO_GOAL, null));
        }
        details.append(String.format(Locale.ROOT, "%nAfter the rounds: at 1,000 %s TIME_WAIT and %s FIN_WAIT_2 rows"
                        + " of the probe were left, at 10,000 %s and %s (the kernel drops them after 60 s; the rounds"
                        + " took %s s and %s s). TIME_WAIT reads in the rounds: active %s and %s, quiet %s and %s. The"
                        + " table is the whole network namespace's, other processes' rows too: %s rows in TIME_WAIT"
                        + " in all at 10,000. Between the two counts the probe waited %s s for its extra rows to expire.%n",
                info.get("1000.timeWaitRowsAfter"), info.get("1000.finWait2RowsAfter"),
                info.get("10000.timeWaitRowsAfter"), info.get("10000.finWait2RowsAfter"),
                seconds(info.get("1000.roundsSeconds")), seconds(info.get("10000.roundsSeconds")),
                info.get("1000.activeTimeWaitReads"), info.get("10000.activeTimeWaitReads"),
                info.get("1000.quietTimeWaitReads"), info.get("10000.quietTimeWaitReads"),
                info.get("10000.allTimeWaitRows"), info.getOrDefault("waitedSeconds", "?")));
        Result last = results.remove(results.size() - 1);
        results.add(new Result(last.benchmark(), last.without(), last.with(), last.measured(), last.goal(),
                last.verdict(), details.toString()));
        return results;
    }

    private static String seconds(String value) {
        return value == null ? "?" : String.format(Locale.ROOT, "%.1f", Double.parseDouble(value));
    }

    private static String median(Map<String, List<Double>> samples, String key) {
        return AgentComparison.format(Stats.median(values(samples, key)));
    }

    private static String cell(Map<String, List<Double>> samples, String key) {
        double[] values = values(samples, key);
        return AgentComparison.format(Stats.median(values)) + " (" + AgentComparison.format(Stats.percentile(values, 90))
                + "; " + AgentComparison.format(Stats.percentile(values, 100)) + ")";
    }

    private static double[] values(Map<String, List<Double>> samples, String key) {
        List<Double> list = samples.get(key);
        if (list == null || list.isEmpty()) {
            throw new IllegalStateException("the scan-states probe printed no samples for " + key);
        }
        return list.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
