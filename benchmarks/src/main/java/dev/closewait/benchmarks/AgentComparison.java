package dev.closewait.benchmarks;

import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Runs one JMH benchmark in forks with {@code -javaagent:} on the built agent jar and in forks
 * without it, and with the peer agent of {@code --peer-agent} as a third side if named,
 * alternating (without, with, with, without, ...; with three sides, each fork rotates their order,
 * see {@link Side#order}) so that a slow spell of a shared machine hits every side. Compares the
 * medians of all measured iterations of each side with those without an agent, and reports the
 * bytes allocated per operation on each side (JMH's {@code gc} profiler): where an agent's cost
 * shows, its allocations are the first thing to look at.
 */
final class AgentComparison {

    /** Every side gets the same fixed heap, so heap sizing is no difference between them. */
    private static final String[] COMMON_JVM_ARGS = {"-Xms1g", "-Xmx1g"};
    /** How long a fork waits for another JMH run on the machine to end before it fails. */
    private static final int LOCK_WAIT_MINUTES = 30;
    /** The {@code gc} profiler's bytes allocated per operation. */
    private static final String ALLOCATED_PER_OP = "gc.alloc.rate.norm";

    private final SuiteOptions options;
    private String pinnedJava;
    private boolean pinningChecked;

    AgentComparison(SuiteOptions options) {
        this.options = options;
    }

    /** Where the forks run: on every CPU, or pinned to one (see {@link CpuPinning}). */
    enum Cpus {
        ALL, ONE
    }

    /**
     * @param title      the benchmark's name in the results
     * @param method     the JMH benchmark method, {@code Class.method}
     * @param goal       what the ratio of medians, closewait over without, is held to; {@code null} for none
     * @param cpus       whether the forks of every side run pinned to one CPU
     * @param extraArgs  JVM arguments for every side
     */
    Result compare(String title, Class<?> benchmark, String method, Goals.RatioGoal goal, Cpus cpus,
                   String... extraArgs) throws RunnerException {
        String java = options.java;
        String placement = "on all CPUs";
        if (cpus == Cpus.ONE) {
            if (!pinningChecked) {
                pinnedJava = CpuPinning.pinnedJava(options.java);
                pinningChecked = true;
            }
            java = pinnedJava != null ? pinnedJava : options.java;
            placement = CpuPinning.describe(pinnedJava);
        }
        SuiteMode mode = options.mode;
        String tableBefore = TcpTableCensus.describe();
        Map<Side, SideRuns> sides = new EnumMap<>(Side.class);
        options.sides().forEach(side -> sides.put(side, new SideRuns()));
        String unit = null;
        for (int fork = 0; fork < mode.forks; fork++) {
            for (Side side : Side.order(options.sides(), fork)) {
                Run run = runFork(java, benchmark, method, side, extraArgs);
                unit = run.unit;
                sides.get(side).add(run);
                System.out.printf(Locale.ROOT, "  %-18s fork %d/%d %-13s median %s %s%n", title, fork + 1,
                        mode.forks, options.label(side), format(Stats.median(run.scores)), run.unit);
            }
        }
        SideRuns without = sides.get(Side.WITHOUT);
        SideRuns with = sides.get(Side.CLOSEWAIT);
        SideRuns peer = sides.get(Side.PEER);
        Stats.Estimate ratio = Stats.ratioOfMedians(with.forks, without.forks);
        StringBuilder details = new StringBuilder(String.format(Locale.ROOT,
                "JMH `%s.%s`, average time per operation, %d forks of each side × %d iterations of %d s"
                        + " (after %d warm-up iterations of %d s), forks %s.%n%n"
                        + "| side | median | 25th–75th percentile | fork medians |%n|---|---|---|---|%n",
                benchmark.getSimpleName(), method, mode.forks, mode.iterations, mode.iterationSeconds,
                warmupIterations(benchmark, mode), mode.warmupSeconds, placement));
        for (Side side : options.sides()) {
            details.append(sides.get(side).row(options.label(side), unit));
        }
        details.append(String.format(Locale.ROOT,
                "%nRatio of medians%s %.3f, 95 %% interval %.3f–%.3f (bootstrap over forks, then iterations)%s.",
                peer == null ? "" : ", closewait over without", ratio.value(), ratio.low(), ratio.high(),
                goal == null ? "" : goal.intervalNote(ratio)));
        Stats.Estimate peerRatio = null;
        if (peer != null) {
            peerRatio = Stats.ratioOfMedians(peer.forks, without.forks);
            details.append(String.format(Locale.ROOT, " The peer over without: %.3f, 95 %% interval %.3f–%.3f.",
                    peerRatio.value(), peerRatio.low(), peerRatio.high()));
        }
        details.append(String.format(Locale.ROOT, " The kernel's TCP table (which the agent's scanner reads every 5 s)"
                + " had %s when it started, %s when it ended.", tableBefore, TcpTableCensus.describe()));
        details.append(allocation(sides));
        Result result = new Result(title, format(Stats.median(without.all())) + " " + unit,
                format(Stats.median(with.all())) + " " + unit, ratioText(ratio),
                goal == null ? "—" : goal.text(), goal == null ? Result.Verdict.NO_GOAL : goal.verdict(ratio),
                details.toString());
        return peer == null ? result
                : result.withPeer(new Result.Peer(format(Stats.median(peer.all())) + " " + unit, ratioText(peerRatio)));
    }

    /**
     * The mode's warm-up iterations, or more where the benchmark class asks for a longer warm-up
     * with JMH's {@code @Warmup} (its iterations times its time, in seconds): code the JIT takes long
     * to compile would otherwise be measured while it compiles, and the agent's side, with more to
     * compile on the same CPUs, would pay for its start-up there rather than for its steady cost.
     */
    static int warmupIterations(Class<?> benchmark, SuiteMode mode) {
        Warmup asked = benchmark.getAnnotation(Warmup.class);
        if (asked == null || asked.iterations() <= 0 || asked.time() <= 0) {
            return mode.warmupIterations;
        }
        long seconds = asked.timeUnit().toSeconds(asked.time()) * asked.iterations();
        return (int) Math.max(mode.warmupIterations, (seconds + mode.warmupSeconds - 1) / mode.warmupSeconds);
    }

    private static String ratioText(Stats.Estimate ratio) {
        return String.format(Locale.ROOT, "ratio %.3f (%.3f–%.3f)", ratio.value(), ratio.low(), ratio.high());
    }

    private Run runFork(String java, Class<?> benchmark, String method, Side side, String... extraArgs)
            throws RunnerException {
        SuiteMode mode = options.mode;
        List<String> jvmArgs = new ArrayList<>(List.of(COMMON_JVM_ARGS));
        jvmArgs.addAll(List.of(extraArgs));
        jvmArgs.addAll(options.agentArgs(side));
        ChainedOptionsBuilder builder = new OptionsBuilder()
                .addProfiler(GCProfiler.class)
                .include("^" + Pattern.quote(benchmark.getName() + "." + method) + "$")
                .forks(1)
                .warmupIterations(warmupIterations(benchmark, mode))
                .warmupTime(TimeValue.seconds(mode.warmupSeconds))
                .measurementIterations(mode.iterations)
                .measurementTime(TimeValue.seconds(mode.iterationSeconds))
                .jvm(java)
                .jvmArgsAppend(jvmArgs.toArray(new String[0]))
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT);
        RunResult result = single(runWhenNoOtherJmhRuns(builder.build()), benchmark, method);
        List<Double> scores = new ArrayList<>();
        List<Double> allocated = new ArrayList<>();
        String unit = null;
        for (BenchmarkResult fork : result.getBenchmarkResults()) {
            for (IterationResult iteration : fork.getIterationResults()) {
                scores.add(iteration.getPrimaryResult().getScore());
                unit = iteration.getScoreUnit();
                org.openjdk.jmh.results.Result<?> bytes = iteration.getSecondaryResults().get(ALLOCATED_PER_OP);
                if (bytes != null) {
                    allocated.add(bytes.getScore());
                }
            }
        }
        if (scores.isEmpty()) {
            throw new RunnerException("no measured iterations from " + benchmark.getSimpleName() + "." + method);
        }
        return new Run(scores.stream().mapToDouble(Double::doubleValue).toArray(), unit,
                allocated.isEmpty() ? Double.NaN : Stats.median(allocated.stream().mapToDouble(Double::doubleValue).toArray()));
    }

    /**
     * Runs JMH once, waiting while another JMH run on this machine holds its lock file (JMH refuses to
     * start then, and two benchmark runs at once would spoil each other's figures): each fork is a
     * run of its own, so another suite on a shared machine can take the lock between two forks.
     */
    private static java.util.Collection<RunResult> runWhenNoOtherJmhRuns(Options jmh) throws RunnerException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(LOCK_WAIT_MINUTES);
        boolean said = false;
        while (true) {
            try {
                return new Runner(jmh).run();
            } catch (RunnerException refused) {
                String message = String.valueOf(refused.getMessage());
                if (!message.contains("Unable to acquire the JMH lock") || System.nanoTime() > deadline) {
                    throw refused;
                }
                if (!said) {
                    System.out.println("  waiting for another JMH run on this machine to end (it holds JMH's lock file;"
                            + " at most " + LOCK_WAIT_MINUTES + " minutes)");
                    said = true;
                }
                try {
                    Thread.sleep(2_000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw refused;
                }
            }
        }
    }

    private static RunResult single(java.util.Collection<RunResult> results, Class<?> benchmark, String method)
            throws RunnerException {
        if (results.size() != 1) {
            throw new RunnerException(results.size() + " results from " + benchmark.getSimpleName() + "." + method
                    + " (the fork failed?)");
        }
        return results.iterator().next();
    }

    private static String forkMedians(List<double[]> forks) {
        List<String> medians = new ArrayList<>();
        for (double[] fork : forks) {
            medians.add(format(Stats.median(fork)));
        }
        return String.join(", ", medians);
    }

    /** Three significant digits or more: 4.53, 45.3, 453, 4530. */
    static String format(double value) {
        if (value >= 100) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (value >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }

    /** One sentence on the bytes allocated per operation, median of the forks of each side; empty without figures. */
    private String allocation(Map<Side, SideRuns> sides) {
        for (SideRuns side : sides.values()) {
            if (side.allocated.isEmpty()) {
                return "";
            }
        }
        double before = sides.get(Side.WITHOUT).medianAllocated();
        StringBuilder text = new StringBuilder(" Allocated per operation (JMH's `gc` profiler, median of the forks):");
        text.append(String.format(Locale.ROOT, " %,.0f bytes without an agent", before));
        for (Side side : options.sides()) {
            if (side != Side.WITHOUT) {
                double after = sides.get(side).medianAllocated();
                text.append(String.format(Locale.ROOT, ", %,.0f bytes %s (%+,.0f)", after,
                        side == Side.PEER ? "with the peer" : options.hasPeer() ? "with closewait" : "with it",
                        after - before));
            }
        }
        return text.append('.').toString();
    }

    /** The forks of one side: their iteration scores and bytes allocated per operation. */
    private static final class SideRuns {
        final List<double[]> forks = new ArrayList<>();
        final List<Double> allocated = new ArrayList<>();

        void add(Run run) {
            forks.add(run.scores);
            if (!Double.isNaN(run.allocatedPerOp)) {
                allocated.add(run.allocatedPerOp);
            }
        }

        double[] all() {
            return Stats.concat(forks);
        }

        double medianAllocated() {
            return Stats.median(allocated.stream().mapToDouble(Double::doubleValue).toArray());
        }

        String row(String label, String unit) {
            double[] all = all();
            return String.format(Locale.ROOT, "| %s | %s %s | %s–%s | %s |%n", label, format(Stats.median(all)), unit,
                    format(Stats.percentile(all, 25)), format(Stats.percentile(all, 75)), forkMedians(forks));
        }
    }

    private record Run(double[] scores, String unit, double allocatedPerOp) {
    }
}
