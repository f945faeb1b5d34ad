package dev.closewait.benchmarks;

import dev.closewait.benchmarks.probe.StartupProbe;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * JVM start to {@code main}: spawns a hello-world {@link StartupProbe} with and without the agent,
 * alternating, and times from process start to the probe's first line on stdout, then to its first
 * loopback connection (the agent instruments the socket classes when they first load, so this shows
 * the whole start-up cost for an application that opens a socket at once). Two runs of each side
 * are discarded first (file cache). A third side, the agent with JDBC instrumentation turned off
 * ({@code -Dclosewait.noJdbc=true}), shows what JDBC awareness adds.
 */
final class StartupCost {

    private static final double GOAL_MILLIS = 300;
    private static final int DISCARDED = 2;

    private final SuiteOptions options;

    StartupCost(SuiteOptions options) {
        this.options = options;
    }

    Result measure() throws IOException, InterruptedException {
        List<String> plain = command();
        List<String> agent = command(options.javaagent());
        List<String> agentNoJdbc = command("-Dclosewait.noJdbc=true", options.javaagent());
        Samples without = new Samples();
        Samples with = new Samples();
        Samples withNoJdbc = new Samples();
        int runs = options.mode.startups;
        for (int run = -DISCARDED; run < runs; run++) {
            boolean keep = run >= 0;
            if (run % 2 == 0) {
                without.add(keep, plain);
                with.add(keep, agent);
            } else {
                with.add(keep, agent);
                without.add(keep, plain);
            }
            withNoJdbc.add(keep, agentNoJdbc);
        }
        Stats.Estimate added = Stats.differenceOfMedians(with.toMain(), without.toMain());
        Stats.Estimate addedNoJdbc = Stats.differenceOfMedians(withNoJdbc.toMain(), without.toMain());
        System.out.printf(Locale.ROOT, "  start-up: %.0f ms without, %.0f ms with the agent (+%.0f ms)%n",
                Stats.median(without.toMain()), Stats.median(with.toMain()), added.value());
        String details = String.format(Locale.ROOT,
                "`%s` spawned %d times per side (after %d discarded), alternating; time from `Process.start()`"
                        + " to the probe's first line on stdout (in `main`), to its second (its first loopback"
                        + " connection made: the agent instruments the socket classes when they first load), and"
                        + " to its exit.%n%n"
                        + "| side | to `main`, median | 25th–75th percentile | to first connection, median | to exit, median |%n"
                        + "|---|---|---|---|---|%n"
                        + "| without agent | %.0f ms | %.0f–%.0f ms | %.0f ms | %.0f ms |%n"
                        + "| with agent | %.0f ms | %.0f–%.0f ms | %.0f ms | %.0f ms |%n"
                        + "| with agent, `-Dclosewait.noJdbc=true` | %.0f ms | %.0f–%.0f ms | %.0f ms | %.0f ms |%n%n"
                        + "Added to start-up: %+.0f ms to `main` (95 %% bootstrap interval %+.0f to %+.0f ms), %+.0f ms"
                        + " to the first connection; without JDBC instrumentation %+.0f ms to `main`.",
                StartupProbe.class.getSimpleName(), runs, DISCARDED,
                Stats.median(without.toMain()), Stats.percentile(without.toMain(), 25),
                Stats.percentile(without.toMain(), 75), Stats.median(without.toConnected()),
                Stats.median(without.toExit()),
                Stats.median(with.toMain()), Stats.percentile(with.toMain(), 25),
                Stats.percentile(with.toMain(), 75), Stats.median(with.toConnected()), Stats.median(with.toExit()),
                Stats.median(withNoJdbc.toMain()), Stats.percentile(withNoJdbc.toMain(), 25),
                Stats.percentile(withNoJdbc.toMain(), 75), Stats.median(withNoJdbc.toConnected()),
                Stats.median(withNoJdbc.toExit()),
                added.value(), added.low(), added.high(),
                Stats.median(with.toConnected()) - Stats.median(without.toConnected()), addedNoJdbc.value());
        return new Result("start-up", String.format(Locale.ROOT, "%.0f ms", Stats.median(without.toMain())),
                String.format(Locale.ROOT, "%.0f ms", Stats.median(with.toMain())),
                String.format(Locale.ROOT, "%+.0f ms (%+.0f to %+.0f); to the first connection %+.0f ms", added.value(),
                        added.low(), added.high(), Stats.median(with.toConnected()) - Stats.median(without.toConnected())),
                String.format(Locale.ROOT, "≤ +%.0f ms", GOAL_MILLIS), Result.Verdict.of(added.value() <= GOAL_MILLIS),
                details);
    }

    private List<String> command(String... jvmArgs) {
        List<String> command = new ArrayList<>();
        command.add(options.java);
        command.addAll(List.of(jvmArgs));
        command.addAll(List.of("-cp", options.benchmarksJar.toString(), StartupProbe.class.getName()));
        return command;
    }

    /** Times of one side, in milliseconds. */
    private static final class Samples {
        private final List<Double> toMain = new ArrayList<>();
        private final List<Double> toConnected = new ArrayList<>();
        private final List<Double> toExit = new ArrayList<>();

        void add(boolean keep, List<String> command) throws IOException, InterruptedException {
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
            long start = System.nanoTime();
            Process process = builder.start();
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String first = out.readLine();
                long inMain = System.nanoTime();
                String second = out.readLine();
                long connected = System.nanoTime();
                while (out.readLine() != null) {
                    // drain
                }
                int status = process.waitFor();
                long exited = System.nanoTime();
                if (!"main".equals(first) || !"connected".equals(second) || status != 0) {
                    throw new IOException("the start-up probe printed " + first + ", " + second + " and exited with "
                            + status + ": " + String.join(" ", command));
                }
                if (keep) {
                    toMain.add((inMain - start) / 1e6);
                    toConnected.add((connected - start) / 1e6);
                    toExit.add((exited - start) / 1e6);
                }
            }
        }

        double[] toMain() {
            return toMain.stream().mapToDouble(Double::doubleValue).toArray();
        }

        double[] toConnected() {
            return toConnected.stream().mapToDouble(Double::doubleValue).toArray();
        }

        double[] toExit() {
            return toExit.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }
}
