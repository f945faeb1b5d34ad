package dev.closewait.benchmarks;

/**
 * One row of the results table, and the paragraph that explains it.
 *
 * @param benchmark what was measured, as the issue names it
 * @param without   the figure without the agent, or "—"
 * @param with      the figure with the agent
 * @param measured  what is compared with the goal: a ratio, a difference, a time, a size
 * @param goal      the goal, as text
 * @param verdict   whether the goal was met
 * @param details   Markdown: method, all figures, caveats
 */
public record Result(String benchmark, String without, String with, String measured, String goal,
                     Verdict verdict, String details) {

    /** Whether a measured figure met its goal. */
    public enum Verdict {
        MET("met"), MISSED("**missed**"), SKIPPED("skipped"), NO_GOAL("—");

        private final String text;

        Verdict(String text) {
            this.text = text;
        }

        static Verdict of(boolean met) {
            return met ? MET : MISSED;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** A row for a benchmark that could not run, saying why. */
    static Result skipped(String benchmark, String goal, String why) {
        return new Result(benchmark, "—", "—", "—", goal, Verdict.SKIPPED, why);
    }
}
