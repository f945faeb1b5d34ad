package dev.closewait.agent.detect;

import dev.closewait.agent.track.JdbcFailure;

import java.util.List;

/** Everything a report shows, taken at one instant: the counts and every finding so far. */
public final class LeakReport {

    /** {@link #graceMillis()} of a report read back from a file, which does not say. */
    public static final long GRACE_UNKNOWN = -1;

    private final long pid;
    private final long generatedAt;
    private final long tracked;
    private final long open;
    private final long graceMillis;
    private final List<Finding> leaks;
    private final List<JdbcFailure> jdbcConnectFailures;
    private final int ignored;

    public LeakReport(long pid, long generatedAt, long tracked, long open, long graceMillis, List<Finding> leaks) {
        this(pid, generatedAt, tracked, open, graceMillis, leaks, List.of(), 0);
    }

    public LeakReport(long pid, long generatedAt, long tracked, long open, long graceMillis, List<Finding> leaks,
                      List<JdbcFailure> jdbcConnectFailures, int ignored) {
        this.pid = pid;
        this.generatedAt = generatedAt;
        this.tracked = tracked;
        this.open = open;
        this.graceMillis = graceMillis;
        this.leaks = List.copyOf(leaks);
        this.jdbcConnectFailures = List.copyOf(jdbcConnectFailures);
        this.ignored = ignored;
    }

    /** Findings left out by ignore rules: counted, not listed. */
    public int ignored() {
        return ignored;
    }

    /** Failed JDBC connects per URL and user, most recent first. */
    public List<JdbcFailure> jdbcConnectFailures() {
        return jdbcConnectFailures;
    }

    public long pid() {
        return pid;
    }

    /** Epoch millis when the report was taken. */
    public long generatedAt() {
        return generatedAt;
    }

    /** Sockets tracked since the agent started. */
    public long tracked() {
        return tracked;
    }

    /** Tracked sockets open when the report was taken. */
    public long open() {
        return open;
    }

    /** The {@code grace} in force, for sentences that explain a finding; {@link #GRACE_UNKNOWN} if not known. */
    public long graceMillis() {
        return graceMillis;
    }

    /** Every finding so far, in the order they were found. */
    public List<Finding> leaks() {
        return leaks;
    }
}
