package dev.closewait.agent.instrument;

import java.util.List;

/**
 * Where the platform MBean server comes to be: {@code ManagementFactory.getPlatformMBeanServer()},
 * which the application, a JMX library or the JDK's own management agent (started by
 * {@code -Dcom.sun.management.jmxremote} or by an attaching tool) call. The agent registers its
 * MBean there instead of making the server itself, which would decide the host's
 * {@code java.util.logging} and {@code javax.management.builder.initial} for it.
 */
final class ManagementTargets {

    private ManagementTargets() {
    }

    static List<JdkTarget> all() {
        return List.of(new JdkTarget("java/lang/management/ManagementFactory", "getPlatformMBeanServer",
                "()Ljavax/management/MBeanServer;", JdkHook.PLATFORM_MBEAN_SERVER));
    }
}
