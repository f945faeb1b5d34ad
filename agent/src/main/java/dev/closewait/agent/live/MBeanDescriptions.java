package dev.closewait.agent.live;

import java.util.LinkedHashMap;
import java.util.Map;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.NotCompliantMBeanException;
import javax.management.StandardMBean;

/**
 * What JConsole and VisualVM show for each attribute and operation of {@link LeakDetectorMBean}
 * (a plain standard MBean says "Attribute exposed for management" of every one). The one source of
 * these texts: {@code docs/attach-jmx-jfr.md} lists the same names, and a test holds both to the
 * interface.
 */
final class MBeanDescriptions {

    static final String MBEAN = "closewait: this JVM's sockets left in CLOSE_WAIT, the code that opened them,"
            + " and its peers that never finish closing";

    static final Map<String, String> ATTRIBUTES = attributes();

    static final Map<String, String> OPERATIONS = operations();

    private MBeanDescriptions() {
    }

    private static Map<String, String> attributes() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("Version", "The agent's version.");
        a.put("Options", "The options in force.");
        a.put("Tracked", "Sockets tracked since the agent started.");
        a.put("Open", "Tracked sockets open now.");
        a.put("Leaks", "Findings listed in the report so far, all statuses.");
        a.put("OpenLeaks", "Listed findings still open (those a pool holds idle included).");
        a.put("ClosedLateLeaks", "Listed findings the application closed, but only after grace in CLOSE_WAIT.");
        a.put("ReclaimedByGcLeaks", "Listed findings never closed: the garbage collector reclaimed the socket.");
        a.put("OrphanedLeaks", "Listed findings never closed, unreachable, their descriptor still held.");
        a.put("BeforeAttachLeaks", "Listed findings among the sockets open before the agent attached (no stack).");
        a.put("IgnoredLeaks", "Findings an ignore rule left out: counted, not listed.");
        a.put("DroppedLeaks", "Findings past maxFindings: counted, not listed.");
        a.put("HeldByPoolLeaks", "Open findings whose connection a known pool or keep-alive cache holds idle.");
        a.put("PeersNotClosing", "This JVM's sockets in FIN_WAIT_2 now: it closed them, the peer never sent its FIN.");
        a.put("MaxPortShare", "The largest share of the ephemeral port range this JVM holds towards one remote now,"
                + " 0 to 1.");
        a.put("PortPressureWarnings", "Remotes towards which this JVM holds more than half the ephemeral port range now.");
        a.put("JdbcConnectFailures", "Failed JDBC connects since the agent started, all URLs and users.");
        return a;
    }

    private static Map<String, String> operations() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("textReport", "The human-readable report, as of now.");
        o.put("jsonReport", "The JSON report (version 1), as of now.");
        o.put("configure", "Applies interval and grace (for example interval=2s,grace=30s); returns what is in"
                + " force afterwards, or why nothing changed. File options are refused over JMX.");
        return o;
    }

    /** {@code detector} as a standard MBean that describes itself with these texts. */
    static StandardMBean of(LeakDetector detector) throws NotCompliantMBeanException {
        return new Described(detector);
    }

    private static final class Described extends StandardMBean {

        Described(LeakDetector detector) throws NotCompliantMBeanException {
            super(detector, LeakDetectorMBean.class);
        }

        @Override
        protected String getDescription(MBeanInfo info) {
            return MBEAN;
        }

        @Override
        protected String getDescription(MBeanAttributeInfo info) {
            return ATTRIBUTES.getOrDefault(info.getName(), info.getDescription());
        }

        @Override
        protected String getDescription(MBeanOperationInfo info) {
            return OPERATIONS.getOrDefault(info.getName(), info.getDescription());
        }

        @Override
        protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
            return "configure".equals(op.getName()) ? "options" : super.getParameterName(op, param, sequence);
        }

        @Override
        protected String getDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
            return "configure".equals(op.getName()) ? "comma-separated key=value options: interval, grace"
                    : super.getDescription(op, param, sequence);
        }
    }
}
