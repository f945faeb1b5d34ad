package dev.closewait.benchmarks;

/** How long the suite measures: {@link #QUICK} for a laptop (about 8 minutes), {@link #FULL} for figures to publish. */
public enum SuiteMode {
    /** Three forks of each side, four 1 s iterations each; 10 start-ups of each side. */
    QUICK(3, 2, 1, 4, 1, 10, 5, 20),
    /** Eight forks of each side, six 2 s iterations each; 30 start-ups of each side. */
    FULL(8, 3, 1, 6, 2, 30, 10, 50);

    /** JMH forks of each side (without an agent, with closewait, with the peer agent if any), alternating. */
    final int forks;
    final int warmupIterations;
    final int warmupSeconds;
    final int iterations;
    final int iterationSeconds;
    /** JVM start-ups of each side, after two discarded ones. */
    final int startups;
    final int scanWarmupRounds;
    final int scanRounds;

    SuiteMode(int forks, int warmupIterations, int warmupSeconds, int iterations, int iterationSeconds,
              int startups, int scanWarmupRounds, int scanRounds) {
        this.forks = forks;
        this.warmupIterations = warmupIterations;
        this.warmupSeconds = warmupSeconds;
        this.iterations = iterations;
        this.iterationSeconds = iterationSeconds;
        this.startups = startups;
        this.scanWarmupRounds = scanWarmupRounds;
        this.scanRounds = scanRounds;
    }

    /** One line for the results file; {@code peer}: whether a peer agent ran as a third side. */
    String describe(boolean peer) {
        return String.format("%s: JMH %d forks %s, alternating; each fork %d warm-up"
                        + " iterations of %d s, then %d measured iterations of %d s; %d start-ups of each side;"
                        + " %d measured scans after %d warm-up ones", name().toLowerCase(java.util.Locale.ROOT),
                forks, peer ? "of each side (without an agent, with closewait, with the peer agent)"
                        : "with the agent and " + forks + " without",
                warmupIterations, warmupSeconds, iterations, iterationSeconds, startups, scanRounds,
                scanWarmupRounds);
    }
}
