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
    private final int heldByPools;
    private final int finWait2;
    private final double maxPortShare;
    private final int portPressureWarnings;

    public LeakCounts(long tracked, long open, int listed, int[] byStatus, int beforeAttach, long ignored, long dropped,
               long jdbcConnectFailures) {
        this(tracked, open, listed, byStatus, beforeAttach, ignored, dropped, jdbcConnectFailures, 0, 0, 0, 0);
    }

    /**
     * @param heldByPools          listed findings a pool holds idle
     * @param finWait2             this JVM's sockets whose peer does not finish closing, all peers
     * @param maxPortShare         the largest share of the ephemeral port range towards one remote, 0 to 1
     * @param portPressureWarnings remotes past half the range
     */
    public LeakCounts(long tracked, long open, int listed, int[] byStatus, int beforeAttach, long ignored, long dropped,
               long jdbcConnectFailures, int heldByPools, int finWait2, double maxPortShare, int portPressureWarnings) {
        this.heldByPools = heldByPools;
        this.finWait2 = finWait2;
        this.maxPortShare = maxPortShare;
        this.portPressureWarnings = portPressureWarnings;
        this.tracked = tracked;
        this.open = open;
        this.listed = listed;
        this.byStatus = byStatus;
        this.beforeAttach = beforeAttach;
        this.ignored = ignored;
        this.dropped = dropped;
        this.jdbcConnectFailures = jdbcConnectFailures;
    }

    /**
     * These counts of findings with the live counts of sockets: {@code openNow} is added to this
     * one's open count (the sockets taken on at attach).
     */
    LeakCounts live(long trackedNow, long openNow, long jdbcConnectFailuresNow) {
        return new LeakCounts(trackedNow, open + openNow, listed, byStatus, beforeAttach, ignored, dropped,
                jdbcConnectFailuresNow, heldByPools, finWait2, maxPortShare, portPressureWarnings);
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

    /** Listed findings a known pool holds idle. */
    public int heldByPools() {
        return heldByPools;
    }

    /** This JVM's sockets in FIN_WAIT_2 (its peers do not finish closing), all peers. */
    public int peersNotClosing() {
        return finWait2;
    }

    /** The largest share of the ephemeral port range this JVM holds towards one remote: 0 to 1. */
    public double maxPortShare() {
        return maxPortShare;
    }

    /** Remotes towards which this JVM holds more than half the ephemeral port range. */
    public int portPressureWarnings() {
        return portPressureWarnings;
    }
}
