package dev.closewait.benchmarks;

import dev.closewait.benchmarks.probe.StartupProbe;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * JVM start to {@code main}: spawns a hello-world {@link StartupProbe} with and without the agent,
 * alternating, and times from process start to the probe's first line on stdout, then to its first
 * loopback connection (the agent instruments the socket classes when they first load, so this shows
 * the whole start-up cost for an application that opens a socket at once). Two runs of each side
 * are discarded first (file cache). Another side, the agent with JDBC instrumentation turned off
 * ({@code -Dclosewait.noJdbc=true}), shows what JDBC awareness adds; the peer agent of
 * {@code --peer-agent}, if named, is one more, in the alternation.
 */
final class StartupCost {

    private static final int DISCARDED = 2;

    private final SuiteOptions options;

    StartupCost(SuiteOptions options) {
        this.options = options;
    }

    Result measure() throws IOException, InterruptedException {
        Map<Side, List<String>> commands = new EnumMap<>(Side.class);
        Map<Side, Samples> samples = new EnumMap<>(Side.class);
        for (Side side : options.sides()) {
            commands.put(side, command(options.agentArgs(side)));
            samples.put(side, new Samples());
        }
        List<String> agentNoJdbc = command(List.of("-Dclosewait.noJdbc=true", options.javaagent()));
        Samples withNoJdbc = new Samples();
        int runs = options.mode.startups;
        for (int run = -DISCARDED; run < runs; run++) {
            boolean keep = run >= 0;
            for (Side side : Side.order(options.sides(), run)) {
                samples.get(side).add(keep, commands.get(side));
            }
            withNoJdbc.add(keep, agentNoJdbc);
        }
        Samples without = samples.get(Side.WITHOUT);
        Samples with = samples.get(Side.CLOSEWAIT);
        Samples peer = samples.get(Side.PEER);
        Stats.Estimate added = Stats.differenceOfMedians(with.toMain(), without.toMain());
        Stats.Estimate addedNoJdbc = Stats.differenceOfMedians(withNoJdbc.toMain(), without.toMain());
        System.out.printf(Locale.ROOT, "  start-up: %.0f ms without, %.0f ms with the agent (+%.0f ms)%s%n",
                Stats.median(without.toMain()), Stats.median(with.toMain()), added.value(),
                peer == null ? "" : String.format(Locale.ROOT, ", %.0f ms with the peer", Stats.median(peer.toMain())));
        StringBuilder details = new StringBuilder(String.format(Locale.ROOT,
                "`%s` spawned %d times per side (after %d discarded), alternating; time from `Process.start()`"
                        + " to the probe's first line on stdout (in `main`), to its second (its first loopback"
                        + " connection made: the agent instruments the socket classes when they first load), and"
                        + " to its exit.%n%n"
                        + "| side | to `main`, median | 25th–75th percentile | to first connection, median | to exit, median |%n"
                        + "|---|---|---|---|---|%n",
                StartupProbe.class.getSimpleName(), runs, DISCARDED));
        for (Side side : options.sides()) {
            details.append(samples.get(side).row(options.label(side)));
        }
        details.append(withNoJdbc.row(options.label(Side.CLOSEWAIT) + ", `-Dclosewait.noJdbc=true`"));
        details.append(String.format(Locale.ROOT,
                "%nAdded to start-up: %+.0f ms to `main` (95 %% bootstrap interval %+.0f to %+.0f ms), %+.0f ms"
                        + " to the first connection; without JDBC instrumentation %+.0f ms to `main`.",
                added.value(), added.low(), added.high(), with.addedToConnected(without), addedNoJdbc.value()));
        Result.Peer peerFigures = null;
        if (peer != null) {
            Stats.Estimate peerAdded = Stats.differenceOfMedians(peer.toMain(), without.toMain());
            details.append(String.format(Locale.ROOT, " The peer: %+.0f ms to `main` (%+.0f to %+.0f ms), %+.0f ms to"
                    + " the first connection.", peerAdded.value(), peerAdded.low(), peerAdded.high(),
                    peer.addedToConnected(without)));
            peerFigures = new Result.Peer(String.format(Locale.ROOT, "%.0f ms", Stats.median(peer.toMain())),
                    measured(peerAdded, peer, without));
        }
        return new Result("start-up", String.format(Locale.ROOT, "%.0f ms", Stats.median(without.toMain())),
                String.format(Locale.ROOT, "%.0f ms", Stats.median(with.toMain())), measured(added, with, without),
                String.format(Locale.ROOT, "≤ +%.0f ms to the first connection", Goals.FIRST_CONNECTION_MILLIS),
                Result.Verdict.of(with.addedToConnected(without) <= Goals.FIRST_CONNECTION_MILLIS),
                details.toString(), peerFigures);
    }

    private static String measured(Stats.Estimate added, Samples side, Samples without) {
        return String.format(Locale.ROOT, "%+.0f ms (%+.0f to %+.0f); to the first connection %+.0f ms", added.value(),
                added.low(), added.high(), side.addedToConnected(without));
    }

    private List<String> command(List<String> jvmArgs) {
        List<String> command = new ArrayList<>();
        command.add(options.java);
        command.addAll(jvmArgs);
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

        /** The difference of the medians to the first connection, this side minus {@code without}. */
        double addedToConnected(Samples without) {
            return Stats.median(toConnected()) - Stats.median(without.toConnected());
        }

        /** This side's row of the details table. */
        String row(String label) {
            return String.format(Locale.ROOT, "| %s | %.0f ms | %.0f–%.0f ms | %.0f ms | %.0f ms |%n", label,
                    Stats.median(toMain()), Stats.percentile(toMain(), 25), Stats.percentile(toMain(), 75),
                    Stats.median(toConnected()), Stats.median(toExit()));
        }
    }
}
