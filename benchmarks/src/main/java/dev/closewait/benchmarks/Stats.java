package dev.closewait.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;

/**
 * The few statistics the suite reports: medians, percentiles, and bootstrap confidence intervals
 * of a ratio or a difference of two medians. Medians, because a shared machine's noise comes in
 * bursts that a mean would carry; a bootstrap, because iteration scores are not normal.
 *
 * <p>JMH iterations of one fork are not independent (one JIT outcome, one spell of the machine),
 * so {@link #ratioOfMedians(List, List)} resamples forks first, then iterations within each
 * drawn fork: its interval reflects how much forks differ, not only iterations.
 */
public final class Stats {

    /** Resamples per bootstrap: enough for stable 2.5 % and 97.5 % percentiles. */
    private static final int RESAMPLES = 4000;

    private Stats() {
    }

    /** The median of {@code values} (not modified). */
    public static double median(double[] values) {
        return percentile(values, 50);
    }

    /** The {@code p}-th percentile (0 to 100) of {@code values}, interpolated between neighbours. */
    public static double percentile(double[] values, double p) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double position = p / 100 * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = (int) Math.ceil(position);
        return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
    }

    /** {@code median(agent) / median(baseline)} with its 95 % bootstrap interval. */
    public static Estimate ratioOfMedians(double[] agent, double[] baseline) {
        return bootstrap(agent, baseline, (a, b) -> a / b);
    }

    /**
     * The ratio of the medians of all iterations, agent forks over baseline forks, with a 95 %
     * interval from a two-stage bootstrap: forks drawn with replacement, then iterations within each.
     */
    public static Estimate ratioOfMedians(List<double[]> agentForks, List<double[]> baselineForks) {
        double point = median(concat(agentForks)) / median(concat(baselineForks));
        Random random = new Random(42);
        double[] resampled = new double[RESAMPLES];
        for (int i = 0; i < RESAMPLES; i++) {
            resampled[i] = median(resampleForks(agentForks, random)) / median(resampleForks(baselineForks, random));
        }
        return new Estimate(point, percentile(resampled, 2.5), percentile(resampled, 97.5));
    }

    /** All iterations of all forks, in one array. */
    public static double[] concat(List<double[]> forks) {
        return forks.stream().flatMapToDouble(Arrays::stream).toArray();
    }

    private static double[] resampleForks(List<double[]> forks, Random random) {
        List<double[]> drawn = new ArrayList<>(forks.size());
        for (int i = 0; i < forks.size(); i++) {
            drawn.add(resample(forks.get(random.nextInt(forks.size())), random));
        }
        return concat(drawn);
    }

    /** {@code median(agent) - median(baseline)} with its 95 % bootstrap interval. */
    public static Estimate differenceOfMedians(double[] agent, double[] baseline) {
        return bootstrap(agent, baseline, (a, b) -> a - b);
    }

    private static Estimate bootstrap(double[] agent, double[] baseline, DoubleBinaryOperator compare) {
        double point = compare.applyAsDouble(median(agent), median(baseline));
        Random random = new Random(42); // reproducible intervals for the same samples
        double[] resampled = new double[RESAMPLES];
        for (int i = 0; i < RESAMPLES; i++) {
            resampled[i] = compare.applyAsDouble(median(resample(agent, random)), median(resample(baseline, random)));
        }
        return new Estimate(point, percentile(resampled, 2.5), percentile(resampled, 97.5));
    }

    private static double[] resample(double[] values, Random random) {
        double[] drawn = new double[values.length];
        for (int i = 0; i < drawn.length; i++) {
            drawn[i] = values[random.nextInt(values.length)];
        }
        return drawn;
    }

    /** A point estimate with a 95 % confidence interval. */
    public record Estimate(double value, double low, double high) {

        /** Whether the interval includes {@code x}. */
        public boolean intervalIncludes(double x) {
            return low <= x && x <= high;
        }
    }
}
