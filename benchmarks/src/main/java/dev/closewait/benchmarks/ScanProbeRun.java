package dev.closewait.benchmarks;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of a scan probe in a JVM of its own (1 GB heap, {@code --enable-native-access} where the
 * JDK has it, so that the agent reads netlink on JDK 24 and later), and what it printed:
 * {@code sample KEY MILLIS} and {@code info KEY VALUE} lines. The TCP table is first let settle to
 * fewer than 1,000 TIME_WAIT rows, so that earlier benchmarks' churn does not swell it.
 */
final class ScanProbeRun {

    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    private static final List<String> OPENS = List.of("--add-opens", "java.base/java.net=ALL-UNNAMED",
            "--add-opens", "java.base/java.io=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED");

    /** Whether the probe's JVM ran with {@link #NATIVE_ACCESS}. */
    final boolean nativeAccess;
    private final Map<String, List<Double>> samples = new LinkedHashMap<>();
    private final Map<String, String> info = new HashMap<>();
    private final String probe;

    private ScanProbeRun(boolean nativeAccess, String probe) {
        this.nativeAccess = nativeAccess;
        this.probe = probe;
    }

    /** Runs {@code probe} with the connection counts and the suite mode's rounds as its arguments. */
    static ScanProbeRun run(SuiteOptions options, Class<?> probe, int[] counts) throws IOException, InterruptedException {
        StringBuilder list = new StringBuilder();
        for (int count : counts) {
            list.append(list.length() == 0 ? "" : ",").append(count);
        }
        TcpTableCensus.awaitTimeWaitBelow(1_000, 70);
        boolean nativeAccess = ChildJvm.succeeds(List.of(options.java, NATIVE_ACCESS, "-version"));
        List<String> command = new ArrayList<>(List.of(options.java, "-Xms1g", "-Xmx1g"));
        if (nativeAccess) {
            command.add(NATIVE_ACCESS);
        }
        // The agent opens these to a module of its own to read socket descriptors for its peer-close
        // watch; a probe calling the agent's classes without the agent is given them here.
        command.addAll(OPENS);
        command.addAll(List.of("-cp", options.probeClassPath(), probe.getName(), list.toString(),
                String.valueOf(options.mode.scanWarmupRounds), String.valueOf(options.mode.scanRounds)));
        ScanProbeRun run = new ScanProbeRun(nativeAccess, probe.getSimpleName());
        for (String line : ChildJvm.run(command, 900)) {
            String[] words = line.split(" ", 3);
            if (words[0].equals("sample")) {
                run.samples.computeIfAbsent(words[1], k -> new ArrayList<>()).add(Double.parseDouble(words[2]));
            } else if (words[0].equals("info")) {
                run.info.put(words[1], words[2]);
            }
        }
        return run;
    }

    /** Whether the probe printed samples for {@code key}. */
    boolean has(String key) {
        return samples.containsKey(key);
    }

    /** The samples of {@code key}, in milliseconds; fails when the probe printed none. */
    double[] values(String key) {
        List<Double> list = samples.get(key);
        if (list == null || list.isEmpty()) {
            throw new IllegalStateException(probe + " printed no samples for " + key);
        }
        return list.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The info line {@code key}, or {@code null}. */
    String info(String key) {
        return info.get(key);
    }

    /** The info line {@code key}, or {@code otherwise}. */
    String info(String key, String otherwise) {
        return info.getOrDefault(key, otherwise);
    }
}
