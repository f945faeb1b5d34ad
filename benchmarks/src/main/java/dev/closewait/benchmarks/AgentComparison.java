package dev.closewait.benchmarks;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Runs one JMH benchmark in forks with {@code -javaagent:} on the built agent jar and in forks
 * without it, alternating (without, with, with, without, ...) so that a slow spell of a shared
 * machine hits both sides. Compares the medians of all measured iterations of each side, and
 * reports the bytes allocated per operation on each side (JMH's {@code gc} profiler): where the
 * agent's cost shows, its allocations are the first thing to look at.
 */
final class AgentComparison {

    /** Both sides get the same fixed heap, so heap sizing is no difference between them. */
    private static final String[] COMMON_JVM_ARGS = {"-Xms1g", "-Xmx1g"};
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
     * @param goalRatio  the highest acceptable ratio of medians, with agent over without
     * @param cpus       whether the forks of both sides run pinned to one CPU
     * @param extraArgs  JVM arguments for both sides
     */
    Result compare(String title, Class<?> benchmark, String method, double goalRatio, Cpus cpus,
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
        List<double[]> withoutForks = new ArrayList<>();
        List<double[]> withForks = new ArrayList<>();
        List<Double> withoutAllocated = new ArrayList<>();
        List<Double> withAllocated = new ArrayList<>();
        String unit = null;
        for (int fork = 0; fork < mode.forks; fork++) {
            for (int side = 0; side < 2; side++) {
                boolean agent = (fork + side) % 2 == 1; // without, with | with, without | ...
                Run run = runFork(java, benchmark, method, agent, extraArgs);
                unit = run.unit;
                (agent ? withForks : withoutForks).add(run.scores);
                if (!Double.isNaN(run.allocatedPerOp)) {
                    (agent ? withAllocated : withoutAllocated).add(run.allocatedPerOp);
                }
                System.out.printf(Locale.ROOT, "  %-18s fork %d/%d %-13s median %s %s%n", title, fork + 1,
                        mode.forks, agent ? "with agent" : "without agent", format(Stats.median(run.scores)),
                        run.unit);
            }
        }
        double[] without = Stats.concat(withoutForks);
        double[] with = Stats.concat(withForks);
        Stats.Estimate ratio = Stats.ratioOfMedians(withForks, withoutForks);
        boolean met = ratio.value() <= goalRatio;
        String details = String.format(Locale.ROOT,
                "JMH `%s.%s`, average time per operation, %d forks of each side × %d iterations of %d s"
                        + " (after %d warm-up iterations), forks %s.%n%n"
                        + "| side | median | 25th–75th percentile | fork medians |%n|---|---|---|---|%n"
                        + "| without agent | %s %s | %s–%s | %s |%n| with agent | %s %s | %s–%s | %s |%n%n"
                        + "Ratio of medians %.3f, 95 %% interval %.3f–%.3f (bootstrap over forks, then iterations)%s."
                        + " The kernel's TCP table"
                        + " (which the agent's scanner reads every 5 s) had %s when it started, %s when it ended.%s",
                benchmark.getSimpleName(), method, mode.forks, mode.iterations, mode.iterationSeconds,
                mode.warmupIterations, placement,
                format(Stats.median(without)), unit, format(Stats.percentile(without, 25)),
                format(Stats.percentile(without, 75)), forkMedians(withoutForks),
                format(Stats.median(with)), unit, format(Stats.percentile(with, 25)),
                format(Stats.percentile(with, 75)), forkMedians(withForks),
                ratio.value(), ratio.low(), ratio.high(),
                ratio.intervalIncludes(goalRatio) ? "; the interval includes the goal, so the verdict is within noise" : "",
                tableBefore, TcpTableCensus.describe(), allocation(withoutAllocated, withAllocated));
        return new Result(title, format(Stats.median(without)) + " " + unit, format(Stats.median(with)) + " " + unit,
                String.format(Locale.ROOT, "ratio %.3f (%.3f–%.3f)", ratio.value(), ratio.low(), ratio.high()),
                String.format(Locale.ROOT, "ratio ≤ %.2f", goalRatio), Result.Verdict.of(met), details);
    }

    private Run runFork(String java, Class<?> benchmark, String method, boolean agent, String... extraArgs)
            throws RunnerException {
        SuiteMode mode = options.mode;
        List<String> jvmArgs = new ArrayList<>(List.of(COMMON_JVM_ARGS));
        jvmArgs.addAll(List.of(extraArgs));
        if (agent) {
            jvmArgs.add(options.javaagent());
        }
        ChainedOptionsBuilder builder = new OptionsBuilder()
                .addProfiler(GCProfiler.class)
                .include("^" + Pattern.quote(benchmark.getName() + "." + method) + "$")
                .forks(1)
                .warmupIterations(mode.warmupIterations)
                .warmupTime(TimeValue.seconds(mode.warmupSeconds))
                .measurementIterations(mode.iterations)
                .measurementTime(TimeValue.seconds(mode.iterationSeconds))
                .jvm(java)
                .jvmArgsAppend(jvmArgs.toArray(new String[0]))
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT);
        RunResult result = single(new Runner(builder.build()).run(), benchmark, method);
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
    private static String allocation(List<Double> without, List<Double> with) {
        if (without.isEmpty() || with.isEmpty()) {
            return "";
        }
        double before = Stats.median(without.stream().mapToDouble(Double::doubleValue).toArray());
        double after = Stats.median(with.stream().mapToDouble(Double::doubleValue).toArray());
        return String.format(Locale.ROOT, " Allocated per operation (JMH's `gc` profiler, median of the forks):"
                + " %,.0f bytes without the agent, %,.0f bytes with it (%+,.0f).", before, after, after - before);
    }

    private record Run(double[] scores, String unit, double allocatedPerOp) {
    }
}
