package dev.closewait.benchmarks;

import java.util.Locale;

/**
 * The goals the suite holds its figures to, those of the performance issue: the one source of the
 * goal column and the verdicts in {@code RESULTS.md}. A ratio is closewait's median over the median
 * without an agent, with its 95 % bootstrap interval ({@link Stats#ratioOfMedians}).
 */
final class Goals {

    static final RatioGoal SOCKET_CHURN = RatioGoal.atMost(1.03);
    static final RatioGoal CONCURRENT_CHURN = RatioGoal.atMost(1.03);
    static final RatioGoal VIRTUAL_THREAD_CHURN = RatioGoal.atMost(1.10);
    static final RatioGoal JDBC_CHURN = RatioGoal.wholeIntervalAtMost(1.02);
    static final RatioGoal STEADY_IO = RatioGoal.atMost(1.01);
    /** Few connects, many requests: no cost the measurement can tell from noise. */
    static final RatioGoal HTTP_KEEP_ALIVE = RatioGoal.noCost(0.05);

    /** The median scan of a run at {@link #SCAN_CONNECTIONS}; the worst of several runs is held to {@link #SCAN_WORST_RUN_MILLIS}. */
    static final double SCAN_MILLIS = 2;
    /** Across runs, not decided by one: the worst run's median scan (see benchmarks/README.md). */
    static final double SCAN_WORST_RUN_MILLIS = 4;
    static final int SCAN_CONNECTIONS = 10_000;
    /** Added from {@code Process.start()} to the first connection made. */
    static final double FIRST_CONNECTION_MILLIS = 150;
    static final double BYTES_PER_SOCKET = 200;
    static final double SERIES_BYTES_PER_REMOTE = 4096;

    private Goals() {
    }

    /** How a ratio and its interval are judged. */
    enum Rule {
        /** The median ratio at most the goal; an interval that includes it makes the verdict one within noise. */
        MEDIAN_AT_MOST,
        /** The whole interval at most the goal: a cost shown to be under it. */
        INTERVAL_AT_MOST,
        /** The interval includes 1.00 and reaches no further than the goal's margin either side of it. */
        NO_COST
    }

    /** A goal for a ratio: {@link #rule} applied to {@link #limit}. */
    record RatioGoal(Rule rule, double limit) {

        static RatioGoal atMost(double ratio) {
            return new RatioGoal(Rule.MEDIAN_AT_MOST, ratio);
        }

        static RatioGoal wholeIntervalAtMost(double ratio) {
            return new RatioGoal(Rule.INTERVAL_AT_MOST, ratio);
        }

        /** {@code margin}: how far from 1.00 the interval may reach and still tell that there is no cost. */
        static RatioGoal noCost(double margin) {
            return new RatioGoal(Rule.NO_COST, margin);
        }

        /** The goal column's text. */
        String text() {
            return switch (rule) {
                case MEDIAN_AT_MOST -> String.format(Locale.ROOT, "ratio ≤ %.2f", limit);
                case INTERVAL_AT_MOST -> String.format(Locale.ROOT, "ratio ≤ %.2f, whole interval", limit);
                case NO_COST -> String.format(Locale.ROOT, "ratio 1.00 within noise (interval in %.2f–%.2f)",
                        1 - limit, 1 + limit);
            };
        }

        Result.Verdict verdict(Stats.Estimate ratio) {
            return switch (rule) {
                case MEDIAN_AT_MOST -> Result.Verdict.of(ratio.value() <= limit);
                case INTERVAL_AT_MOST -> Result.Verdict.of(ratio.high() <= limit);
                case NO_COST -> !ratio.intervalIncludes(1.0) ? Result.Verdict.MISSED
                        : ratio.low() >= 1 - limit && ratio.high() <= 1 + limit ? Result.Verdict.MET
                        : Result.Verdict.UNDECIDED;
            };
        }

        /** What the results paragraph says of the interval against this goal, or "" when it says nothing more. */
        String intervalNote(Stats.Estimate ratio) {
            return switch (rule) {
                case MEDIAN_AT_MOST -> ratio.intervalIncludes(limit)
                        ? "; the interval includes the goal, so the verdict is within noise" : "";
                case INTERVAL_AT_MOST -> ratio.high() > limit && ratio.value() <= limit
                        ? "; the median is within the goal but the interval reaches past it, so the goal is missed" : "";
                case NO_COST -> verdict(ratio) == Result.Verdict.UNDECIDED
                        ? "; the interval includes 1.00 but is too wide to tell a cost of a few per cent from none" : "";
            };
        }
    }
}
