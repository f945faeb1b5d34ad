package dev.closewait.benchmarks;

/**
 * One row of the results table, and the paragraph that explains it.
 *
 * @param benchmark what was measured, as the issue names it
 * @param without   the figure without the agent, or "—"
 * @param with      the figure with the agent (closewait)
 * @param measured  what is compared with the goal: a ratio, a difference, a time, a size
 * @param goal      the goal, as text
 * @param verdict   whether the goal was met
 * @param details   Markdown: method, all figures, caveats
 * @param peer      the peer agent's figures (see {@code --peer-agent}), or {@code null} where it did not run
 */
public record Result(String benchmark, String without, String with, String measured, String goal,
                     Verdict verdict, String details, Peer peer) {

    /** A row without a peer side. */
    public Result(String benchmark, String without, String with, String measured, String goal, Verdict verdict,
                  String details) {
        this(benchmark, without, with, measured, goal, verdict, details, null);
    }

    /** This row with the peer agent's figures. */
    Result withPeer(Peer figures) {
        return new Result(benchmark, without, with, measured, goal, verdict, details, figures);
    }

    /**
     * The peer agent's side of a row: its figure next to closewait's, and what it measured as closewait's
     * {@code measured} (its ratio or difference with its interval). The goal and verdict are closewait's alone.
     */
    public record Peer(String figure, String measured) {

        /** For a row that measures a part of closewait the peer does not have. */
        static Peer notApplicable(String why) {
            return new Peer("—", why);
        }
    }

    /** Whether a measured figure met its goal. */
    public enum Verdict {
        MET("met"), MISSED("**missed**"), UNDECIDED("undecided: interval too wide"), SKIPPED("skipped"), NO_GOAL("—");

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
