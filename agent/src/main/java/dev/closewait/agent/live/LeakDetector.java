package dev.closewait.agent.live;

import dev.closewait.agent.detect.LeakCounts;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.identity.AgentIdentity;
import dev.closewait.agent.report.JsonReport;
import dev.closewait.agent.report.TextReport;
import dev.closewait.agent.detect.LeakStatus;

import java.lang.management.ManagementFactory;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

/**
 * The {@link LeakDetectorMBean} over the running agent: attributes read counters (cheap, whatever
 * the number of findings), the operations render a report.
 */
public final class LeakDetector implements LeakDetectorMBean {

    private final String version;
    private final Supplier<LeakReport> reports;
    private final Supplier<LeakCounts> counts;
    private final Supplier<String> options;
    private final Supplier<TextReport> text;
    private final Function<String, String> configure;
    private final JsonReport json;

    public LeakDetector(String version, Supplier<LeakReport> reports, Supplier<LeakCounts> counts,
                        Supplier<String> options, Supplier<TextReport> text, Function<String, String> configure) {
        this.text = text;
        this.version = version;
        this.reports = reports;
        this.counts = counts;
        this.options = options;
        this.configure = configure;
        this.json = new JsonReport(version);
    }

    /** Registers this MBean with {@code server}, the platform MBean server the application or the JDK made. */
    public void register(MBeanServer server) throws JMException {
        server.registerMBean(MBeanDescriptions.of(this), new ObjectName(AgentIdentity.MBEAN_NAME));
    }

    /**
     * The platform MBean server if it exists already, found without making it (which would decide
     * the host's logging and JMX configuration); {@code null} if there is none yet.
     */
    public static MBeanServer existingPlatformServer() throws JMException {
        ObjectName runtime = new ObjectName(ManagementFactory.RUNTIME_MXBEAN_NAME);
        for (MBeanServer server : MBeanServerFactory.findMBeanServer(null)) {
            if (server.isRegistered(runtime)) {
                return server;
            }
        }
        return null;
    }

    @Override
    public String getVersion() {
        return version;
    }

    @Override
    public String getOptions() {
        return options.get();
    }

    @Override
    public long getTracked() {
        return counts.get().tracked();
    }

    @Override
    public long getOpen() {
        return counts.get().open();
    }

    @Override
    public int getLeaks() {
        return counts.get().listed();
    }

    @Override
    public int getOpenLeaks() {
        return counts.get().withStatus(LeakStatus.OPEN);
    }

    @Override
    public int getClosedLateLeaks() {
        return counts.get().withStatus(LeakStatus.CLOSED_LATE);
    }

    @Override
    public int getReclaimedByGcLeaks() {
        return counts.get().withStatus(LeakStatus.RECLAIMED_BY_GC);
    }

    @Override
    public int getOrphanedLeaks() {
        return counts.get().withStatus(LeakStatus.ORPHANED);
    }

    @Override
    public int getBeforeAttachLeaks() {
        return counts.get().beforeAttach();
    }

    @Override
    public long getIgnoredLeaks() {
        return counts.get().ignored();
    }

    @Override
    public long getDroppedLeaks() {
        return counts.get().dropped();
    }

    @Override
    public int getHeldByPoolLeaks() {
        return counts.get().heldByPools();
    }

    @Override
    public int getPeersNotClosing() {
        return counts.get().peersNotClosing();
    }

    @Override
    public double getMaxPortShare() {
        return counts.get().maxPortShare();
    }

    @Override
    public int getPortPressureWarnings() {
        return counts.get().portPressureWarnings();
    }

    @Override
    public long getJdbcConnectFailures() {
        return counts.get().jdbcConnectFailures();
    }

    @Override
    public String textReport() {
        return text.get().full(reports.get());
    }

    @Override
    public String jsonReport() {
        return json.render(reports.get());
    }

    @Override
    public String configure(String newOptions) {
        return configure.apply(newOptions);
    }
}
