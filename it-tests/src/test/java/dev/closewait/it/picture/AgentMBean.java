package dev.closewait.it.picture;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.function.Predicate;

/** The agent's MBean as a scenario reads it in its own JVM: what the agent has counted so far. */
final class AgentMBean {

    private static final long DEADLINE_NANOS = 20_000_000_000L;

    private AgentMBean() {
    }

    /** Waits until the MBean's {@code attribute} meets {@code condition}; returns its value then. */
    static Object await(String attribute, Predicate<Object> condition) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("dev.closewait:type=LeakDetector");
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        Object value = null;
        while (System.nanoTime() < deadline) {
            // Registered when the application first asks for the platform MBean server: now, or soon after.
            if (server.isRegistered(name)) {
                value = server.getAttribute(name, attribute);
                if (condition.test(value)) {
                    return value;
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the agent's " + attribute + " never met the condition; last " + value);
    }

    /** The live JSON report, once {@code condition} holds for it. */
    static String awaitReport(Predicate<String> condition) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("dev.closewait:type=LeakDetector");
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        String report = null;
        while (System.nanoTime() < deadline) {
            if (server.isRegistered(name)) {
                report = (String) server.invoke(name, "jsonReport", new Object[0], new String[0]);
                if (condition.test(report)) {
                    return report;
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the agent's live report never met the condition; last " + report);
    }
}
