package dev.closewait.agent.live;

/**
 * The agent as JConsole, VisualVM and a Prometheus JMX exporter see it:
 * {@code dev.closewait:type=LeakDetector}. Counts are attributes; the reports are operations.
 * ({@code closewait report PID} does not use it: see {@code LiveReportProperties}.)
 */
public interface LeakDetectorMBean {

    /** The agent's version. */
    String getVersion();

    /** The options in force. */
    String getOptions();

    /** Sockets tracked since the agent started. */
    long getTracked();

    /** Tracked sockets open now. */
    long getOpen();

    /** Findings listed in the report so far, all statuses. */
    int getLeaks();

    /** Findings still open. */
    int getOpenLeaks();

    /** Findings the application closed late. */
    int getClosedLateLeaks();

    /** Findings reclaimed by the garbage collector. */
    int getReclaimedByGcLeaks();

    /** Findings orphaned: unreachable, descriptor still held. */
    int getOrphanedLeaks();

    /** Findings among the sockets that were open before the agent attached. */
    int getBeforeAttachLeaks();

    /** Findings an ignore rule left out: counted, not listed. */
    long getIgnoredLeaks();

    /** Findings past {@code maxFindings}: counted, not listed. */
    long getDroppedLeaks();

    /** Listed findings a known pool (HikariCP, OkHttp, HttpClient, the JDK's keep-alive cache) holds idle. */
    int getHeldByPoolLeaks();

    /** This JVM's sockets in FIN_WAIT_2 now: it closed them and the peer never sent its FIN. */
    int getPeersNotClosing();

    /** The largest share of the ephemeral port range this JVM holds towards one remote now, 0 to 1. */
    double getMaxPortShare();

    /** Remotes towards which this JVM holds more than half the ephemeral port range now. */
    int getPortPressureWarnings();

    /** Failed JDBC connects so far, all URLs and users. */
    long getJdbcConnectFailures();

    /** The human-readable report, as of now. */
    String textReport();

    /** The JSON report (version 1), as of now. */
    String jsonReport();

    /**
     * Applies new options ({@code interval=2s,grace=30s,...}) to the running agent; returns what
     * is in force afterwards, or why nothing changed.
     */
    String configure(String options);
}
