package dev.closewait.agent.detect;

/** The counts of a moment, without any finding's details: what JMX attributes read, often. */
public final class LeakCounts {

    private final long tracked;
    private final long open;
    private final int listed;
    private final int[] byStatus;
    private final int beforeAttach;
    private final long ignored;
    private final long dropped;
    private final long jdbcConnectFailures;

    public LeakCounts(long tracked, long open, int listed, int[] byStatus, int beforeAttach, long ignored, long dropped,
               long jdbcConnectFailures) {
        this.tracked = tracked;
        this.open = open;
        this.listed = listed;
        this.byStatus = byStatus;
        this.beforeAttach = beforeAttach;
        this.ignored = ignored;
        this.dropped = dropped;
        this.jdbcConnectFailures = jdbcConnectFailures;
    }

    public long tracked() {
        return tracked;
    }

    public long open() {
        return open;
    }

    /** Findings listed in the report. */
    public int listed() {
        return listed;
    }

    /** Listed findings of {@code status}. */
    public int withStatus(LeakStatus status) {
        return byStatus[status.ordinal()];
    }

    /** Listed findings among the sockets open before the agent attached. */
    public int beforeAttach() {
        return beforeAttach;
    }

    /** Findings an ignore rule left out. */
    public long ignored() {
        return ignored;
    }

    /** Findings past the cap: counted, not listed. */
    public long dropped() {
        return dropped;
    }

    public long jdbcConnectFailures() {
        return jdbcConnectFailures;
    }
}
